"""Hand-written cases, per language and per pitfall. None is taken from the labeled data."""

from __future__ import annotations

import pytest

from schemas.classification import EventType, Relation, Severity
from streams.classifier import CLASSIFIER_VERSION, Classifier

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


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
    assert result.classifier_version == CLASSIFIER_VERSION


@pytest.mark.parametrize(("title", "text"), IRRELEVANT)
def test_irrelevant_cases(classifier: Classifier, title: str, text: str) -> None:
    result = classifier.classify_text(title, text)
    assert not result.relevant, [e.term for e in result.evidence]
    assert result.actors == []
    assert result.event_types == []
    assert result.relation is Relation.none
    assert result.severity is Severity.none
