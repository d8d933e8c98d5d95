"""Hand-written cases, per language and per pitfall. None is taken from the labeled data."""

from __future__ import annotations

import pytest

from schemas.classification import EventType, Relation, Severity
from streams.classifier import Classifier

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def rules() -> Classifier:
    """The hand-set rule decision: cases about what a cue or rule means are checked on it,
    since the learned model may weigh a single case differently from the rules."""
    return Classifier(rules_only=True)


# (title, text, expected actors subset, expected event type)
RELEVANT = [
    pytest.param(
        "Moscow and Beijing agree to place a reactor at their joint Moon base",
        "The Russian state corporation and the Chinese space agency signed a memorandum on a "
        "nuclear power unit for the lunar station they plan to build in the 2030s.",
        {"RU", "CN"},
        EventType.lunar,
        id="en-ru-cn-lunar",
    ),
    pytest.param(
        "Pentagon says Russian satellite is stalking a US spy satellite in orbit",
        "US Space Command said the Russian spacecraft, a suspected anti-satellite weapon, "
        "manoeuvred close to an American reconnaissance satellite.",
        {"RU", "US"},
        EventType.counterspace,
        id="en-threat-asat",
    ),
    pytest.param(
        "India and Japan sign pact on joint lunar polar exploration mission",
        "ISRO and JAXA will cooperate on a rover mission to the Moon's south pole, the two "
        "agencies said after signing the agreement in Tokyo.",
        {"IN", "JP"},
        EventType.lunar,
        id="en-in-jp-cooperation",
    ),
    pytest.param(
        "Роскосмос и Китайское национальное космическое управление договорились о сотрудничестве",
        "Российская и китайская стороны подписали соглашение о совместной работе по навигационным "
        "системам ГЛОНАСС и Бэйдоу, сообщили в Роскосмосе.",
        {"RU", "CN"},
        EventType.navigation,
        id="ru-inflected-navigation",
    ),
    pytest.param(
        "Пентагон обвинил Россию в испытании противоспутникового оружия",
        "По словам представителя Министерства обороны США, российский спутник выпустил снаряд "
        "на низкой околоземной орбите рядом с американским аппаратом.",
        {"RU", "US"},
        EventType.counterspace,
        id="ru-inflected-threat",
    ),
    pytest.param(
        "中俄签署国际月球科研站合作协议",
        "中国国家航天局与俄罗斯国家航天集团公司签署合作协议，双方将共同建设月球基地。",
        {"CN", "RU"},
        EventType.lunar,
        id="zh-simplified",
    ),
    pytest.param(
        "中俄簽署國際月球科研站合作協議",
        "中國國家航天局與俄羅斯國家航天集團公司簽署合作協議，雙方將共同建設月球基地。",
        {"CN", "RU"},
        EventType.lunar,
        id="zh-traditional",
    ),
    pytest.param(
        "美国太空军称中国反卫星武器威胁美国卫星",
        "美军官员表示，中国正在发展反卫星能力，对美国在轨卫星构成威胁。",
        {"CN", "US"},
        EventType.counterspace,
        id="zh-counterspace",
    ),
    pytest.param(
        "Rusia lanzará un satélite iraní desde Baikonur",
        "La agencia espacial rusa Roscosmos pondrá en órbita un satélite de observación de la "
        "Tierra para Irán, en el marco de la cooperación entre ambos países.",
        {"RU", "IR"},
        EventType.launch,
        id="es-launch-service",
    ),
    pytest.param(
        "La France et l'Inde renforcent leur coopération spatiale",
        "Le CNES et l'ISRO ont signé un accord pour un satellite commun d'observation de la Terre.",
        {"FR", "IN"},
        EventType.earth_observation,
        id="fr-cooperation",
    ),
    pytest.param(
        "Bundeswehr warnt vor russischen Antisatellitenwaffen",
        "Das Weltraumkommando der Bundeswehr beobachtet, wie russische Satelliten sich "
        "deutschen Satelliten nähern; Berlin spricht von einer Bedrohung.",
        {"DE", "RU"},
        EventType.counterspace,
        id="de-threat",
    ),
    pytest.param(
        "الإمارات والصين توقعان اتفاقية تعاون في استكشاف القمر",
        "وقعت وكالة الإمارات للفضاء مع إدارة الفضاء الوطنية الصينية مذكرة تفاهم "
        "لإرسال مستكشف إلى سطح القمر.",
        {"AE", "CN"},
        EventType.lunar,
        id="ar-cooperation-clitics",
    ),
    pytest.param(
        "ロシアと中国、月面基地に原子炉を設置する協定に署名",
        "ロシアの国営宇宙公社ロスコスモスと中国国家航天局は、月面に原子炉を建設する協力で合意した。",
        {"RU", "CN"},
        EventType.lunar,
        id="ja-cooperation",
    ),
    pytest.param(
        "भारत और अमेरिका ने अंतरिक्ष सहयोग समझौते पर हस्ताक्षर किए",
        "इसरो और नासा मिलकर एक उपग्रह विकसित करेंगे, दोनों देशों के बीच अंतरिक्ष सहयोग बढ़ रहा है।",
        {"IN", "US"},
        EventType.agreements_policy,
        id="hi-cooperation",
    ),
    pytest.param(
        "Rússia e Brasil assinam acordo sobre estações do GLONASS",
        "A agência espacial russa e a Agência Espacial Brasileira assinaram um memorando de "
        "cooperação para instalar estações de navegação por satélite no Brasil.",
        {"RU", "BR"},
        EventType.navigation,
        id="pt-navigation",
    ),
    pytest.param(
        "Nga và Trung Quốc hợp tác xây dựng trạm nghiên cứu trên Mặt Trăng",
        "Cơ quan vũ trụ Nga Roscosmos và Trung Quốc đã ký thỏa thuận hợp tác về trạm nghiên cứu "
        "Mặt Trăng quốc tế.",
        {"RU", "CN"},
        EventType.lunar,
        id="vi-cooperation",
    ),
    pytest.param(
        "ایران و روسیه برای پرتاب ماهواره همکاری می‌کنند",
        "سازمان فضایی ایران اعلام کرد ماهواره سنجش از دور با موشک روسی به مدار پرتاب می‌شود.",
        {"IR", "RU"},
        EventType.launch,
        id="fa-cooperation",
    ),
]

IRRELEVANT = [
    pytest.param(
        "SpaceX launches another batch of broadband satellites from Florida",
        "A Falcon 9 rocket lifted off from Cape Canaveral carrying 23 satellites for the "
        "company's internet constellation; the booster landed on a drone ship.",
        id="routine-commercial-launch",
    ),
    pytest.param(
        "Webb telescope captures a stunning image of a distant spiral galaxy",
        "NASA released the new image on Tuesday, showing dust lanes and star-forming regions "
        "millions of light-years away.",
        id="telescope-image",
    ),
    pytest.param(
        "Russia and China sign deals on gas supplies and grain exports",
        "Moscow and Beijing signed a dozen agreements on trade, energy and agriculture during "
        "the visit, including new pipeline volumes.",
        id="russia-china-trade",
    ),
    pytest.param(
        "Rosatom starts building a nuclear power plant in Egypt",
        "The Russian state corporation poured the first concrete for the third power unit, "
        "a sign of growing nuclear cooperation between the two countries.",
        id="nuclear-power-on-earth",
    ),
    pytest.param(
        "Moon Jae-in meets Japanese prime minister in Tokyo",
        "The former South Korean president discussed regional security and trade with the "
        "Japanese leader.",
        id="moon-surname",
    ),
    pytest.param(
        "Families celebrate the Mid-Autumn Festival under the full moon",
        "Mooncakes and lanterns filled the streets across China and Vietnam as the lunar "
        "calendar's eighth month reached its fifteenth day.",
        id="moon-festival",
    ),
    pytest.param(
        "Terra Luna token crashes again as crypto markets slide",
        "The LUNA token lost half of its value overnight; investors in South Korea and the US "
        "filed new complaints against the founders.",
        id="luna-crypto",
    ),
    pytest.param(
        "Mars bar maker raises prices across Europe",
        "The confectionery giant said chocolate costs forced it to raise prices in Britain, "
        "Germany and France.",
        id="mars-bar",
    ),
    pytest.param(
        "New Star Wars series trailer released by Disney",
        "Fans in the US and Japan cheered the first trailer of the new Star Wars series.",
        id="star-wars",
    ),
    pytest.param(
        "Rockets fired from Gaza intercepted over southern Israel",
        "The Iron Dome system intercepted most of the rockets; sirens sounded in several towns.",
        id="gaza-rockets",
    ),
    pytest.param(
        "Apple to launch new iPhone at September event",
        "The company will launch its latest smartphone in the US and China next month.",
        id="product-launch",
    ),
    pytest.param(
        "Japan launches new H3 rocket carrying a weather satellite",
        "JAXA said the H3 rocket lifted off from Tanegashima Space Center and placed the "
        "satellite into orbit.",
        id="national-mission",
    ),
    pytest.param(
        "Российские и китайские компании договорились о поставках пшеницы",
        "Россия и Китай подписали соглашение о торговле зерном и о сотрудничестве "
        "в сельском хозяйстве.",
        id="ru-trade-cooperation",
    ),
    pytest.param(
        "中秋节前夕月饼销量下降",
        "中秋节前，各地月饼销售额同比下降，赏月活动依旧热闹。",
        id="zh-mooncake",
    ),
    pytest.param(
        "今晚将出现月全食",
        "天文爱好者可以在全国大部分地区观赏月全食，这次月食持续约一个小时。",
        id="zh-lunar-eclipse",
    ),
    pytest.param(
        "Завтра можно будет увидеть полное лунное затмение",
        "Астрономы рассказали, как наблюдать затмение из Москвы и других городов России.",
        id="ru-lunar-eclipse",
    ),
    pytest.param(
        "Rusia y China firman acuerdos sobre comercio de gas",
        "Moscú y Pekín firmaron acuerdos para aumentar el suministro de gas natural.",
        id="es-trade",
    ),
]


@pytest.mark.parametrize(("title", "text", "actors", "event_type"), RELEVANT)
def test_relevant_cases(
    classifier: Classifier, title: str, text: str, actors: set[str], event_type: EventType
) -> None:
    result = classifier.classify_text(title, text)
    assert result.relevant, [e.term for e in result.evidence]
    assert actors <= set(result.actors)
    assert event_type in result.event_types
    assert result.relation is not Relation.none
    assert result.severity is not Severity.none
    assert result.classifier_version == classifier.version


@pytest.mark.parametrize(("title", "text"), IRRELEVANT)
def test_irrelevant_cases(classifier: Classifier, title: str, text: str) -> None:
    result = classifier.classify_text(title, text)
    assert not result.relevant, [e.term for e in result.evidence]
    assert result.actors == []
    assert result.event_types == []
    assert result.relation is Relation.none
    assert result.severity is Severity.none


# --- Generalization cases: event types per language ------------------------------------
# (title, text, expected actors subset, event types that must all be found)
TYPED = [
    pytest.param(
        "Germany and Japan agree to swap data from their radar reconnaissance satellites",
        "The two defence ministries signed a memorandum in Tokyo on exchanging imagery and "
        "on joint tracking of objects in geostationary orbit.",
        {"DE", "JP"},
        {EventType.agreements_policy, EventType.military, EventType.debris_ssa},
        id="en-agreement-military-ssa",
    ),
    pytest.param(
        "Iran accuses Israel of jamming GPS signals over the Gulf",
        "Iranian officials said electronic warfare equipment was used to disrupt satellite "
        "navigation for ships and aircraft, calling it a hostile act.",
        {"IR", "IL"},
        {EventType.counterspace, EventType.navigation},
        id="en-gps-jamming",
    ),
    pytest.param(
        "Pakistan's first lunar rover to fly on a Chinese mission",
        "The rover, carrying a camera and a spectrometer, will be delivered to the Moon's "
        "south pole by China under an agreement signed with SUPARCO.",
        {"PK", "CN"},
        {EventType.lunar, EventType.science, EventType.agreements_policy},
        id="en-lunar-rover-science",
    ),
    pytest.param(
        "Washington warns of a Russian plan to put a nuclear weapon in orbit",
        "US officials said a nuclear anti-satellite device could disable whole constellations, "
        "and urged Moscow to respect the Outer Space Treaty.",
        {"US", "RU"},
        {EventType.nuclear, EventType.counterspace},
        id="en-nuclear-asat",
    ),
    pytest.param(
        "NASA picks firms to design a reactor on the Moon to power a US base",
        "The agency wants a fission surface power system on the lunar surface before China and "
        "Russia install their own lunar power plant.",
        {"US"},
        {EventType.nuclear, EventType.lunar},
        id="en-lunar-reactor-both-types",
    ),
    pytest.param(
        "Deutschland und Italien vereinbaren gemeinsame Kommunikationssatelliten "
        "für die Streitkräfte",
        "Die Verteidigungsministerien unterzeichneten in Rom eine Absichtserklärung über ein "
        "gesichertes Satellitenkommunikationssystem.",
        {"DE", "IT"},
        {EventType.satcom, EventType.military, EventType.agreements_policy},
        id="de-compound-satcom",
    ),
    pytest.param(
        "Russische Satelliten nähern sich deutschen Aufklärungssatelliten",
        "Das Weltraumkommando der Bundeswehr meldet, dass sich zwei russische Satelliten "
        "genähert haben; Berlin spricht von Spionage und einer Bedrohung.",
        {"DE", "RU"},
        {EventType.counterspace, EventType.military},
        id="de-compound-counterspace",
    ),
    pytest.param(
        "Россия и Индия подписали соглашение о поставке ракетных двигателей",
        "Роскосмос и ISRO договорились о поставке двигателей для ракеты-носителя и о подготовке "
        "индийских космонавтов в Звездном городке.",
        {"RU", "IN"},
        {EventType.agreements_policy, EventType.launch, EventType.human_spaceflight},
        id="ru-agreement-launch-crew",
    ),
    pytest.param(
        "Минобороны России испытало средства РЭБ против спутниковой связи",
        "По данным военных, комплекс радиоэлектронной борьбы подавляет терминалы спутниковой "
        "связи Starlink, которыми пользуются ВСУ.",
        {"RU"},
        {EventType.counterspace, EventType.satcom},
        id="ru-electronic-warfare",
    ),
    pytest.param(
        "中巴签署遥感卫星数据共享合作协议",
        "中国国家航天局与巴基斯坦空间和外大气层研究委员会签署协议，双方将共享遥感卫星影像，"
        "用于灾害监测。",
        {"CN", "PK"},
        {EventType.agreements_policy, EventType.earth_observation},
        id="zh-eo-agreement",
    ),
    pytest.param(
        "美国太空军与日本共享太空态势感知数据",
        "美日两国防务部门签署协议，将共享在轨空间目标跟踪数据，以应对太空碎片和可疑卫星。",
        {"US", "JP"},
        {EventType.debris_ssa, EventType.military},
        id="zh-ssa-military",
    ),
    pytest.param(
        "日本とインド、月極域探査で協定に署名",
        "JAXAとISROは、インドの着陸機と日本のローバーによる月の南極探査で協力する協定に署名した。",
        {"JP", "IN"},
        {EventType.lunar, EventType.agreements_policy},
        id="ja-lunar-agreement",
    ),
    pytest.param(
        "España y Marruecos firman un acuerdo de observación de la Tierra",
        "Las agencias espaciales compartirán imágenes satelitales para la vigilancia de "
        "incendios y la gestión de desastres.",
        {"ES", "MA"},
        {EventType.agreements_policy, EventType.earth_observation},
        id="es-eo-agreement",
    ),
    pytest.param(
        "La France dénonce le brouillage de ses satellites par la Russie",
        "Le ministère des Armées accuse Moscou de brouillage répété des signaux de ses "
        "satellites militaires de communication.",
        {"FR", "RU"},
        {EventType.counterspace, EventType.military},
        id="fr-jamming",
    ),
    pytest.param(
        "Brasil e Índia assinam acordo para lançamentos a partir de Alcântara",
        "A Agência Espacial Brasileira e a ISRO assinaram um memorando sobre o uso do centro de "
        "lançamento de Alcântara por foguetes indianos.",
        {"BR", "IN"},
        {EventType.agreements_policy, EventType.launch},
        id="pt-launch-agreement",
    ),
    pytest.param(
        "الإمارات وفرنسا توقعان اتفاقية لتطوير قمر اتصالات",
        "وقعت وكالة الإمارات للفضاء مع المركز الوطني الفرنسي للدراسات الفضائية مذكرة تفاهم "
        "لتطوير قمر اتصالات جديد.",
        {"AE", "FR"},
        {EventType.agreements_policy, EventType.satcom},
        id="ar-satcom-agreement",
    ),
    pytest.param(
        "ماهواره مخابراتی ایران با موشک روسی به مدار رفت",
        "سازمان فضایی ایران اعلام کرد این ماهواره مخابراتی از پایگاه وستوچنی روسیه پرتاب شد.",
        {"IR", "RU"},
        {EventType.satcom, EventType.launch},
        id="fa-satcom-launch",
    ),
    pytest.param(
        "भारत और फ्रांस अंतरिक्ष मलबे की निगरानी पर सहयोग करेंगे",
        "इसरो और फ्रांसीसी अंतरिक्ष एजेंसी अंतरिक्ष मलबे और टक्कर के खतरे पर डेटा साझा करेंगे।",
        {"IN", "FR"},
        {EventType.debris_ssa},
        id="hi-debris",
    ),
    pytest.param(
        "Việt Nam và Nhật Bản ký thỏa thuận về vệ tinh quan sát Trái Đất",
        "Hai bên đã ký kết biên bản ghi nhớ để chia sẻ ảnh vệ tinh phục vụ giám sát thiên tai.",
        {"VN", "JP"},
        {EventType.agreements_policy, EventType.earth_observation},
        id="vi-eo-agreement",
    ),
]


@pytest.mark.parametrize(("title", "text", "actors", "event_types"), TYPED)
def test_event_types_generalize(
    classifier: Classifier, title: str, text: str, actors: set[str], event_types: set[EventType]
) -> None:
    result = classifier.classify_text(title, text)
    assert result.relevant, [e.term for e in result.evidence]
    assert actors <= set(result.actors), result.actors
    assert event_types <= set(result.event_types), result.event_types


# --- Relation rules -------------------------------------------------------------------
RELATIONS = [
    pytest.param(
        "Report finds China and Russia have doubled their inspector satellites",
        "A think tank's annual assessment counts co-orbital anti-satellite systems of the "
        "United States, China and Russia and the jamming capabilities of other states.",
        Relation.neutral,
        id="report-is-neutral",
    ),
    pytest.param(
        "Russia vetoes UN draft resolution banning nuclear weapons in space",
        "The United States and Japan condemned the veto at the Security Council; Moscow called "
        "the text propaganda and tabled its own resolution on weapons in orbit.",
        Relation.competition,
        id="diplomatic-contest-is-competition",
    ),
    pytest.param(
        "Pentagon: Chinese satellite is shadowing a US military satellite",
        "US Space Command said the Chinese spacecraft has been stalking the American "
        "satellite and practising manoeuvres that could be used to attack it.",
        Relation.threat,
        id="stalking-is-threat",
    ),
    pytest.param(
        "Israel launches a new spy satellite to watch Iran",
        "The Ofek satellite lifted off from Palmachim, Israel's defence ministry said.",
        Relation.competition,
        id="military-programme-against-a-state",
    ),
    pytest.param(
        "ISRO and JAXA agree to share lunar rover data",
        "The two agencies will exchange scientific data from their joint mission to the Moon.",
        Relation.cooperation,
        id="sharing-is-cooperation",
    ),
]


@pytest.mark.parametrize(("title", "text", "relation"), RELATIONS)
def test_relation_rules(rules: Classifier, title: str, text: str, relation: Relation) -> None:
    result = rules.classify_text(title, text)
    assert result.relevant, [e.term for e in result.evidence]
    assert result.relation is relation, [(e.value, e.term) for e in result.evidence]


def test_multilateral_body_alone_is_international(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "UN committee warns of congestion in low Earth orbit",
        "The UN Committee on the Peaceful Uses of Outer Space said the number of satellites "
        "and space debris in orbit keeps growing.",
    )
    assert result.relevant
    assert "UN" in result.actors
    assert EventType.debris_ssa in result.event_types


# --- Pitfalls ---------------------------------------------------------------------------
def test_indian_ocean_is_not_india(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "NASA criticises China after rocket stage falls into the Indian Ocean",
        "The core stage of the Long March rocket fell uncontrolled; NASA said China failed "
        "to share trajectory information on the space debris.",
    )
    assert result.relevant
    assert "IN" not in result.actors
    assert {"CN", "US"} <= set(result.actors)


def test_high_resolution_is_not_a_un_resolution(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "Korean lunar orbiter sends high-resolution images of the Moon's south pole",
        "KARI and NASA said the high-resolution camera aboard Danuri mapped craters for future "
        "Artemis landing sites.",
    )
    assert EventType.agreements_policy not in result.event_types


def test_new_moon_race_is_not_a_new_moon(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "India and China in a new Moon race",
        "Both countries plan crewed landings near the lunar south pole in the 2030s.",
    )
    assert result.relevant
    assert EventType.lunar in result.event_types
    assert result.relation is Relation.competition


def test_deal_with_is_not_a_deal(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "Japan expands its space operations group to deal with Chinese and Russian satellites",
        "The Air Self-Defense Force unit will watch satellites that approach Japanese "
        "spacecraft in geostationary orbit.",
    )
    assert result.relevant
    assert EventType.agreements_policy not in result.event_types


def test_russian_inflections_count_as_one_cue(rules: Classifier) -> None:
    """Two inflections of one stemmed alias are one term: no second weak cue for free."""
    result = rules.classify_text(
        "Глава Роскосмоса прибыл с визитом в Пекин",
        "В ходе визита обсуждалась лунная станция.",
    )
    assert EventType.agreements_policy not in result.event_types


def test_persian_month_is_not_the_moon(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "ایران ماه آینده ماهواره جدیدی با همکاری روسیه پرتاب می‌کند",
        "سازمان فضایی ایران گفت این ماهواره سنجش از دور با موشک سایوز پرتاب می‌شود.",
    )
    assert result.relevant
    assert EventType.lunar not in result.event_types


def test_russian_in_connection_with_is_not_satcom(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "Запуск индийского спутника с Байконура перенесли в связи с погодой",
        "Роскосмос и ISRO сообщили, что ракета-носитель выведет спутник на орбиту позже.",
    )
    assert result.relevant
    assert EventType.satcom not in result.event_types


def test_german_compound_alone_gives_space_context(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "Frankreich und Deutschland tauschen Bilder ihrer Spionagesatelliten aus",
        "Die Verteidigungsminister beider Länder unterzeichneten ein Abkommen.",
    )
    assert result.relevant
    assert {"DE", "FR"} <= set(result.actors)
    assert EventType.military in result.event_types


def test_german_all_is_not_english_all(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "All ministers agree on a new trade deal with China",
        "All members of the cabinet backed the plan to cut tariffs.",
    )
    assert not result.relevant


def test_armed_forces_alone_do_not_make_a_space_story(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "NATO defence ministers pledge more troops for the eastern flank",
        "The armed forces of several allies will take part in a military exercise.",
    )
    assert not result.relevant


def test_title_and_lead_never_join_into_one_alias(classifier: Classifier) -> None:
    """The separator between the fields is not a gap inside a multi-word alias."""
    result = classifier.classify_text("Officials discuss the space", "station budget in Ottawa")
    assert not any(e.term.lower() == "space station" for e in result.evidence)


# Regressions from running the classifier over real general-news feeds: everyday Chinese
# words that some cue lists shared ("conflict" via the Japanese word for collision, "image",
# "fragments") turned art fairs and ground wars into space events.
GENERAL_NEWS_ZH = [
    (
        "国际艺术博览会下周开幕",
        "来自瑞士、伦敦、柏林、台北、东京、新加坡和美国的画廊将参展。主办方在会议上说，"
        "展览空间比去年扩大，并希望协助各方避免与其他展会的档期冲突。",
    ),
    (
        "政府军与武装分子在北部城市激战",
        "军方称部队在外国顾问协助下已控制城市西部，双方仍在激烈作战。美国表示将提供安全合作，"
        "当地电视台播出的影像显示居民在打击中撤离，国际组织指责冲突各方。",
    ),
]


@pytest.mark.parametrize(("title", "text"), GENERAL_NEWS_ZH)
def test_everyday_chinese_words_do_not_make_space_events(
    classifier: Classifier, title: str, text: str
) -> None:
    result = classifier.classify_text(title, text)
    assert not result.relevant, result.evidence
