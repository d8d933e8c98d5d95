"""Synthetic articles for the latency benchmarks (``benchmarks.harness.produce`` sends them).

Articles are en/ru/zh, built from templates and the demo feeds' items with fresh ids; about
40% are relevant. Relevant articles get ``published_at`` times ``RELEVANT_SPACING`` apart,
far in the past: with the worker's story window shorter than that, none joins an earlier
article's story, so each relevant article raises alerts of its own.
"""

from __future__ import annotations

import random
from datetime import timedelta

from schemas import Article, utc_now

RELEVANT_SPACING = timedelta(minutes=2)
# The worker's story window in the benchmarks that use these articles: shorter than the
# spacing, so every relevant article starts a story of its own.
STORY_WINDOW = timedelta(seconds=60)

CITIES = ["Kazan", "Harbin", "Vladivostok", "Wenchang", "Baikonur", "Xichang", "Novosibirsk"]
YEARS = ["2031", "2033", "2034", "2035", "2036"]

# (language, relevant, title, summary); {city}, {year}, {n} are filled in per article.
TEMPLATES: list[tuple[str, bool, str, str]] = [
    (
        "en",
        True,
        "Russia and China agree to build a nuclear reactor on the Moon by {year}",
        "Roscosmos and CNSA officials said in {city} the joint reactor will power the "
        "International Lunar Research Station; {n} engineers are assigned to the project.",
    ),
    (
        "en",
        True,
        "Russian anti-satellite missile test creates {n} pieces of debris",
        "Tracking networks counted fragments after a direct-ascent ASAT interceptor launched "
        "near {city} destroyed a defunct satellite in {year}.",
    ),
    (
        "en",
        True,
        "China and Russia sign deal to host GLONASS and BeiDou ground stations in {city}",
        "Roscosmos and the China Satellite Navigation Office agreed on {n} reciprocal "
        "monitoring stations to be completed by {year}.",
    ),
    (
        "ru",
        True,
        "Россия и Китай построят атомную электростанцию на Луне к {year} году",
        "Роскосмос и CNSA заявили в городе {city}, что реактор обеспечит энергией "
        "Международную научную лунную станцию; в проекте {n} специалистов.",
    ),
    (
        "ru",
        True,
        "Россия провела испытание противоспутниковой ракеты: {n} обломков на орбите",
        "После испытания у города {city} на орбите образовалось облако обломков ({year}).",
    ),
    (
        "zh",
        True,
        "中俄将在月球建设核电站 {year}年前为国际月球科研站供电",
        "俄罗斯国家航天集团与中国国家航天局在{city}表示，双方将建成核反应堆，参与人员{n}名。",
    ),
    (
        "zh",
        True,
        "中俄签署北斗与格洛纳斯地面站互设协议 {city}",
        "中国卫星导航系统管理办公室与俄罗斯国家航天集团签署协议，互设{n}个监测站（{year}年）。",
    ),
    (
        "en",
        False,
        "Falcon 9 lifts another batch of {n} Starlink satellites to orbit",
        "A routine commercial launch from Cape Canaveral; the first stage landed on a drone "
        "ship for its {n}th flight.",
    ),
    (
        "en",
        False,
        "Space telescope captures a spiral galaxy {n} million light-years away",
        "The new image shows dust lanes and star-forming regions; astronomers in {city} "
        "processed the data.",
    ),
    (
        "en",
        False,
        "City council in {city} approves new bike lanes for {year}",
        "The plan adds {n} kilometres of protected lanes downtown.",
    ),
    (
        "ru",
        False,
        "«Газпром» и CNPC обсудили увеличение поставок газа в Китай на {n}%",
        "Стороны обсудили график поставок по газопроводу «Сила Сибири» до {year} года.",
    ),
    (
        "ru",
        False,
        "В городе {city} открылась выставка современного искусства",
        "Экспозиция включает {n} работ молодых художников.",
    ),
    (
        "zh",
        False,
        "商业火箭成功发射一颗遥感卫星 编号{n}",
        "一家民营航天企业的运载火箭从酒泉卫星发射中心升空，将商业遥感卫星送入预定轨道。",
    ),
    (
        "zh",
        False,
        "中俄天然气合作签署新的长期供应合同",
        "双方能源企业就东线天然气管道增加供应量{n}%达成一致。",
    ),
]


def demo_templates() -> list[tuple[str, bool, str, str]]:
    """The demo feeds' items as extra templates (relevance as the demo's classifier has it)."""
    import feedparser

    from connectors.demo.server import demo_documents

    relevant_words = ("Moon", "Луне", "anti-satellite", "GLONASS", "ГЛОНАСС", "北斗")
    languages = {"orbital-herald": "en", "kosmos-vestnik": "ru", "tiangong-daily": "zh"}
    out = []
    for name, body in demo_documents().items():
        for entry in feedparser.parse(body).entries:
            title = str(entry.get("title", ""))
            summary = str(entry.get("summary", ""))
            relevant = any(w in title for w in relevant_words)
            out.append((languages[name], relevant, title, summary))
    return out


class ArticleFactory:
    def __init__(self, run: str, seed: int = 7) -> None:
        self.run = run
        self.random = random.Random(seed)
        self.templates = TEMPLATES + demo_templates()
        self.relevant = [t for t in self.templates if t[1]]
        self.irrelevant = [t for t in self.templates if not t[1]]
        self.count = 0
        self.relevant_count = 0
        # Relevant articles are spaced RELEVANT_SPACING apart, ending near now.
        self.base = utc_now() - RELEVANT_SPACING * 20_000

    def make(self, relevant_share: float = 0.4) -> tuple[Article, bool]:
        self.count += 1
        relevant = self.random.random() < relevant_share
        language, _, title, summary = self.random.choice(
            self.relevant if relevant else self.irrelevant
        )
        fill = {
            "city": self.random.choice(CITIES),
            "year": self.random.choice(YEARS),
            "n": str(self.random.randint(2, 999)),
        }
        now = utc_now()
        if relevant:
            self.relevant_count += 1
            published = self.base + RELEVANT_SPACING * self.relevant_count
        else:
            published = now
        article_id = f"{self.run}-{self.count:06d}"
        article = Article(
            id=article_id,
            feed_id=f"bench-{language}",
            url=f"https://bench.example/{article_id}",
            title=title.format(**fill),
            summary=summary.format(**fill),
            language=language,
            published_at=published,
            fetched_at=now,
        )
        return article, relevant
