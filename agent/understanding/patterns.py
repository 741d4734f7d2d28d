"""Keyword rules for the intents and question topics (Russian stems and English), on normalised text.

All patterns expect `calendar_ru.normalize(text)` (lower case, ё→е). Wishes are matched only when
not negated in their clause («без презентации», «созвон не нужен», «не звоните»).
"""

from __future__ import annotations

import re

# Idioms with «не» that are not negations: «не могли бы прислать», «не против», «не откажусь».
_IDIOMS = re.compile(
    r"\bне\s+могл\w*\s+бы|\bне\s+могли\s+ли|\bне\s+подскаж\w*|\bне\s+против\b|\bне\s+откаж\w*|"
    r"\bне\s+помешает|\bне\s+терпится|\bнеплохо\b"
)
_NEGATION_BEFORE = re.compile(r"(?:\bне|\bбез|\bни|\bnot|\bno|\bnever|n't|\bwithout)\s+(?:[\w-]+\s+){0,2}$")
_NEGATION_AFTER = re.compile(
    r"^\s*(?:[\w-]+\s+)?(?:нам\s+|мне\s+)?(?:не\s+(?:нужн\w*|надо|интересн\w*|стоит|требуется|обязательн\w*|"
    r"готов\w*|хотим|хочу|будем|планируем)|ни\s+к\s+чему|излишн\w*|not\s+needed|is\s*n'?t\s+needed)"
)
_CLAUSE_START = re.compile(r"[,.!?;:\n—()]")


def neutralise(norm: str) -> str:
    """Replace «не»-idioms that are not negations, so that the negation check ignores them."""
    return _IDIOMS.sub(lambda m: "да" + " " * (len(m.group()) - 2), norm)


def affirmed(pattern: re.Pattern[str], norm: str) -> re.Match[str] | None:
    """The first match of `pattern` not negated within its clause, or None."""
    for found in pattern.finditer(norm):
        before = norm[max(0, found.start() - 40) : found.start()]
        cut = max((m.end() for m in _CLAUSE_START.finditer(before)), default=0)
        after = norm[found.end() : found.end() + 40]
        after = after[: m.start()] if (m := _CLAUSE_START.search(after)) else after
        if not _NEGATION_BEFORE.search(before[cut:]) and not _NEGATION_AFTER.match(after):
            return found
    return None


DEMO = re.compile(
    r"\bсозвон\w*|\bзвон(?:ок|ка|ке|ком|ку)\b|\bпозвон\w*|\bперезвон\w*|\bнабер(?:ите|ешь|ем|у)\b|"
    r"\bвстреч\w*|\bвстрет\w*|\bдемо(?!-доступ)\w*|\bdemo\b|\bдемонстрац\w*|\bпродемонстр\w*|\bпокаж(?:ите|ете)\b|"
    r"\bпоказать\s+(?:сервис|систему|продукт|платформу|как|работу|интерфейс|вживую)|\bzoom\b|\bзум\b|"
    r"\bteams\b|\bgoogle\s*meet\b|\bвидеосвяз\w*|\bвидеозвон\w*|\bконференц\w*|\bcall\b|\bmeeting\b|"
    r"\bmeet\b|\bдавайте\s+(?:обсудим|поговорим|пообщаемся)\b|\b(?:обсудим|поговорим)\s+(?:по\s+телефону|голосом|"
    r"завтра|сегодня|в\s|во\s)|\blet'?s\s+(?:talk|chat|speak|meet|connect|have\s+a\s+call)\b|\bschedule\b|"
    r"\bbook\s+a\s+(?:slot|time)\b|\bhop\s+on\b"
)
DECK = re.compile(
    r"\bпрезентаци\w*|\bпрезу\b|\bпрезух\w*|\bdeck\b|\bpresentation\b|\bslides\b|\bброшюр\w*|\bбуклет\w*|"
    r"\bкп\b|\bкоммерческ\w*\s+предложени\w*|\bone-pager\b|\bbrochure\b|\bpdf\b|"
    r"\b(?:пришл|присл|скин|отправ|вышл|высла|направ|send)\w*\s+(?:[\w-]+\s+){0,3}?(?:информаци\w*|инфо\b|"
    r"подробност\w*|описани\w*|материал\w*|файл\w*|документ\w*|прайс\w*|info\b|information|details|materials)|"
    r"\b(?:пришлите|вышлите|скиньте|отправьте|направьте|пришли|вышли|скинь|отправь)\s+(?:[\w-]+\s+){0,2}?"
    r"предложени\w*|\bsend\s+(?:us\s+|me\s+)?(?:a\s+|an\s+|your\s+)?(?:proposal|offer)\b"
)
DECK_REQUEST = re.compile(
    r"\bпришл\w*|\bприсл\w*|\bскин\w*|\bотправ\w*|\bвышл\w*|\bвысла\w*|\bнаправ\w*|\bдайте\b|\bподелит\w*|"
    r"\bможно\b|\bхотел\w*|\bхотим\b|\bжду\b|\bждем\b|\bдавайте\b|\bнужн\w*|\bинтересн\w*|\bsend\b|"
    r"\bshare\b|\bcould\b|\bcan\s+you\b|\bplease\b|\bпожалуйста\b|\bwould\s+like\b|\?"
)
DECK_SEEN = re.compile(r"\b(?:посмотрел|получил|изучил|видел|прочитал|открыл|читал)\w*")
DECK_SEND = re.compile(r"\b(?:пришл|присл|скин|отправ|вышл|высла|направ|send|share|дайте|поделит)\w*")

_LATER = (
    r"(?:через|спустя|после\s+(?!обеда|\d)|позже|попозже|потом|ближе\s+к|в\s+начале|в\s+середине|"
    r"в\s+конце|в\s+(?:следующем|новом|будущем)|на\s+следующей|весной|летом|осенью|зимой|"
    r"в\s+(?:январе|феврале|марте|апреле|мае|июне|июле|августе|сентябре|октябре|ноябре|декабре)|"
    r"later|next\s+(?:week|month|year|quarter)|in\s+(?:a|\d+|two|three|a\s+couple\s+of|a\s+few)\s+"
    r"(?:weeks?|months?)|after\s+the)"
)
_PAUSE_VERB = (
    r"(?:(?:на)?пиш(?:ите|и)|свяж\w*|верн[е]м\w*|вернуться|обрат(?:имся|итесь)|стукните|напомн\w*|"
    r"беспокойте|reach\s+out|write|contact|follow\s+up|circle\s+back|get\s+back|ping|"
    r"touch\s+base|come\s+back)"
)
PAUSE = re.compile(
    rf"\b{_PAUSE_VERB}\b(?:[^.!?\n]{{0,40}}?)\b{_LATER}|\b{_LATER}(?:[^.!?\n]{{0,30}}?)\b{_PAUSE_VERB}\b|"
    rf"\b(?:давайте|лучше|можно)\s+{_LATER}|"
    r"\bне\s+сейчас\b|\b(?:сейчас|пока)\s+не\s+до\s+(?:этого|того)|\bне\s+до\s+этого\b|"
    r"\b(?:сейчас|пока)\s+(?:не\s+время|не\s+актуальн\w*|неактуальн\w*|не\s+интересн\w*|некогда|рано|"
    r"заняты|не\s+можем|не\s+готовы|не\s+получится|нет\s+(?:времени|возможности|бюджета))|"
    r"\bне\s+интересн\w*\s+(?:сейчас|пока)\b|\bв\s+отпуске\b|\bна\s+больничном\b|\bв\s+командировке\b|"
    r"\bвернусь\b|\bне\s+беспокойте\s+до\b|\bпока\s+не\s+(?:пишите|беспокойте)\b|\bотлож\w*|"
    r"\bверн[е]мся\s+к\s+(?:этому|вопросу|теме|разговору)|\bnot\s+(?:right\s+)?now\b|\bmaybe\s+later\b|"
    r"\bout\s+of\s+(?:the\s+)?office\b|\bon\s+(?:vacation|leave|holiday)\b"
)

# «А у вас есть мобильное приложение?» asks about the product, not to build an app for us
_PRODUCT_APP = re.compile(
    r"\b(?:у\s+вас|у\s+сервиса|есть\s+ли|есть)\s+(?:[\w-]+\s+){0,2}(?:мобильн\w*\s+)?приложени\w*|"
    r"\bприложени\w*\s+(?:для|на)\s+(?:телефон|смартфон|ios|android|айфон|андроид)\w*|"
    r"\b(?:do\s+you\s+have|is\s+there)\s+(?:an?\s+)?(?:mobile\s+)?app\b"
)


def names_off_topic(norm: str) -> bool:
    """An off-topic request the rules name (a job, an SEO or app-building offer); a question about
    the product's own app is not one."""
    return bool(OTHER.search(norm)) and not _PRODUCT_APP.search(norm)


REFERRAL = re.compile(
    r"\bзанима\w*\s+(?:этим|этими|такими|данным|этой|маркетинг\w*|отзыв\w*|у\s+нас)|\bэтим\s+(?:[\w-]+\s+){0,2}"
    r"занима|\bбольше\s+не\s+работа\w*|\bне\s+работа\w*\s+в\s+(?:компании|этой)|\bуволил\w*|"
    r"\bno\s+longer\s+(?:with|work)|\bотвечает\s+за\b|\bответственн\w*|\bобра(?:титесь|щайтесь)\s+к\b|\bлучше\s+(?:к|напишите|"
    r"обратитесь|написать|пишите|свяжитесь)\b|\bнапишите\s+(?:ей|ему|моему|моей|нашему|нашей|коллеге)\b|"
    r"\bпишите\s+(?:ей|ему)\b|\bсвяжитесь\s+с\b|\bпередам\b|\bпередал\w*|\bпереслал\w*|\bперешлю\b|"
    r"\bперенаправ\w*|\b(?:созвонитесь|свяжитесь|поговорите|пообщайтесь|общайтесь)\s+(?:лучше\s+)?с\b|"
    r"\bлучше\s+с\s+(?:нашим|нашей|моим|моей|коллег\w*)|\bконтакт\w*\s+(?:нашего|нашей|коллеги|ответственного|маркетолог\w*|директор\w*)|"
    r"\bне\s+ко\s+мне\b|\bне\s+по\s+адресу\b|\bне\s+я\s+(?:решаю|занимаюсь)|\bрешает\s+(?:наш|это)|"
    r"\bв\s+копи[юи]\b|\breach\s+out\s+to\b|\bcontact\s+(?!me\b|us\b)|\btalk\s+to\b|\bspeak\s+(?:to|with)\b|"
    r"\b(?:is|are)\s+(?:responsible|in\s+charge)\b|\bhandles\s+this\b|\bthe\s+right\s+person\b|"
    r"\bforward(?:ed|ing)?\s+(?:this|your|it)\b"
)
# «напишите …» with a resolvable date («напишите в понедельник», «после 10 декабря») is a pause too.
WRITE_LATER = re.compile(
    r"\b(?:(?:на)?пиш(?:ите|и)|свяжитесь|верн[е]мся|напомните|стукните|обратитесь|пингуйте|пинганите|"
    r"маякните|черкните|reach\s+out|write|get\s+back|follow\s+up|ping|circle\s+back|touch\s+base)\b|"
    r"\b(?:тогда|там|потом)\s+и\s+(?:поговорим|обсудим|пообщаемся|спишемся|созвонимся|вернемся)\b"
)
# Agreeing a slot without naming the call: «Удобно в пн в 11?», «Давайте в 11», «Четверг подойдёт».
SLOT_AGREEMENT = re.compile(
    r"\b(?:удобно|неудобно|подойд\w*|подходит|устроит|давайте|можно|могу|можем|свобод\w*|works|suits|"
    r"available|free)\b"
)
# Moving a call is a request about the demo, not a product question («can we move it to Wednesday?»);
# narrower than RESCHEDULE below, which needs a named day: «перенести наши отзывы» stays a question.
_MOVE_IT = r"(?:move|push|shift|bump)\s+(?:it|this|that)\b"  # "can we move it to Wednesday?"
MOVE_CALL = re.compile(
    r"\b(?:перенес|перенест)\w*\s+(?:на|встречу|звонок|демо|созвон\w*|время)\b|\bсдвин\w*\s+(?:на|встречу|звонок|демо)\b|"
    rf"\breschedul\w*|\b{_MOVE_IT}|\b(?:move|push|shift|bump)\s+(?:our|the)\s+(?:call|demo|meeting)\b"
)
# Scheduling questions belong to the demo wish, not to product questions.
SCHEDULING = re.compile(
    r"\bкогда\s+(?:вам\s+|тебе\s+)?(?:будет\s+)?удобно|\bво\s+сколько\b|\bв\s+какое\s+время\b|\bкакое\s+время\b|"
    r"\bwhat\s+time\b|\bwhen\s+(?:are\s+you|is\s+it)\s+(?:free|convenient)"
)
# «пишите Ивану Сидорову i.sidorov@…»: a writing verb with a named person and an address.
POINT_TO = re.compile(r"\b(?:(?:на)?пиш(?:ите|и)|обращайтесь|свяжитесь|contact|write\s+to|email)\b")
OWN_ADDRESS = re.compile(r"\b(?:мой|моя|мои|мне|меня|мною|my|me)\b[^.!?\n]{0,25}$")

NOT_INTERESTED = re.compile(
    r"\bне\s+интересн\w*|\bнеинтересн\w*|\bне\s+актуальн\w*|\bнеактуальн\w*|"
    r"\b(?:нам|мне)\s+(?:это\s+|такое\s+)?не\s+(?:нужн\w*|надо|подходит|требуется)|\bне\s+требуется\b|"
    r"\bне\s+(?:нужно|надо)(?=\s*(?:[,.!]|спасибо|$))|\bне\s+планируем\b|\bне\s+рассматриваем\b|"
    r"\bне\s+заинтересован\w*|\bоткаж(?:емся|усь)\b|\bотказываемся\b|"
    r"\bуже\s+(?:пользуемся|работаем\s+с|используем|есть)\b|\bу\s+нас\s+(?:уже\s+)?(?:есть|свое|своя|свой)\s+"
    r"(?:[\w-]+\s+)?(?:решени|систем|сервис|подрядчик|агентств|инструмент|отдел|специалист)\w*|"
    r"\bсправляемся\s+сами\b|\bсами\s+справляемся\b|\bнет\s+бюджета\b|\bбюджета\s+нет\b|\bне\s+в\s+приоритете\b|"
    r"^\s*нет\b|\bнет,?\s+спасибо\b|\bспасибо,?\s+(?:но\s+)?нет\b|\bno,?\s+thank(?:s|\s+you)\b|"
    r"\bnot\s+interested\b|\bno\s+need\b|\bnot\s+(?:relevant|for\s+us|a\s+fit)\b|"
    r"\bwe\s+(?:already\s+)?(?:use|have)\s+(?:another|a\s+different|our\s+own)\b|\balready\s+(?:use|using|have)\b|"
    r"\bwe'?re\s+good\b|\bpass\s+on\s+this\b|^\s*no\b"
)
INTERESTED = re.compile(
    r"\bактуальн\w*|\bинтересн\w*|\bинтересует\b|\bлюбопытн\w*|\bзаинтересова\w*|\bрасскажите\s+"
    r"(?:подробнее|поподробнее|больше|побольше)|\bподробнее\b|\bзвучит\s+(?:интересно|неплохо|хорошо|"
    r"заманчиво)|\bбыло\s+бы\s+(?:интересно|полезно|здорово)|\bготовы\s+(?:попробовать|рассмотреть|обсудить)|"
    r"\bхотим\s+(?:попробовать|подключить|разобраться)|\bнам\s+(?:это\s+)?(?:нужно|надо|подходит)\b|"
    r"\bпригодит\w*|\bполезн\w*|\bв\s+тему\b|\bкак\s+раз\s+(?:ищем|думали|искали)|\bищем\s+(?:решение|сервис|"
    r"инструмент|подрядчик)|\bхорошая\s+идея\b|\bпишите\b|\bсогласн?[аы]?\b|\bsounds\s+(?:good|interesting|"
    r"great)|\binterested\b|\btell\s+me\s+more\b|\brelevant\b|\bwe\s+need\b|\bwould\s+like\b|\byes\b|"
    r"\bsure\b|^\s*(?:да|ок|ok|хорошо|давайте)\b"
)
OTHER = re.compile(
    r"\bразработк\w*\s+(?:мобильн|приложени|сайт|по\b|программ|чат-бот|бот)|\bмобильн\w*\s+приложени\w*|"
    r"\b(?:сделать|создать|разработать)\s+(?:[\w-]+\s+)?(?:сайт|приложени\w*|бот\w*)\b|\bваканси\w*|\bрезюме\b|"
    r"\bтрудоустр\w*|\bстажировк\w*|\bищу\s+работу\b|\bjob\b|\bvacanc\w*|\bhiring\b|\bresume\b|\bcv\b|"
    r"\binternship\b|\bapp\s+development\b|\bdevelop\s+(?:an?\s+)?(?:app|website|mobile)|\bаутстаф\w*|"
    r"\boutstaff\w*|\bтендер\w*|\bпредлагаем\s+(?:вам|свои|наши)|\bнаши\s+услуги\b|\bспонсор\w*|"
    r"\bseo\b|\bсео\b|\bпродвижени\w*\s+(?:сайт|в\s+поиск)\w*|\bподнять\s+сайт|\bконтекстн\w*\s+реклам\w*|"
    r"\bsmm\b|\bsearch\s+engine\s+optimi[sz]ation\b"
)
# A job seeker: wins over any product topic («резюме на позицию аналитика» is not about reports).
JOB = re.compile(
    r"\bваканси\w*|\bрезюме\b|\bтрудоустр\w*|\bстажировк\w*|\bищу\s+работу\b|\bищете\s+сотрудник\w*|"
    r"\bна\s+позицию\b|\bjob\b|\bvacanc\w*|\bhiring\b|\bresume\b|\bcv\b|\binternship\b|\bapply\s+for\b"
)

QUESTION_START = re.compile(
    r"^\s*(?:подскажите|скажите|уточните|объясните|расскажите,?\s+(?:как|какие|что|сколько|есть|про|о|об)\b|"
    r"интересует,?\s+(?:как|какие|что|сколько|есть|ли)\b|хотел\w*\s+(?:бы\s+)?(?:узнать|уточнить|понять)|"
    r"как|какие|какой|какая|каким|сколько|что|где|когда|почему|зачем|есть\s+ли|можно\s+ли|умеете|"
    r"работаете\s+ли|поддерживаете|how|what|which|where|when|why|who|does|do\s+you|can\s+you|is\s+there|"
    r"are\s+there)\b"
)
# An ask inside a sentence about a topic: «пришлите презентацию и скажите, работаете ли вы с 2ГИС».
ASK_INSIDE = re.compile(
    r"\b(?:скажите|подскажите|расскажите|расскажете|уточните|объясните|поясните|интересует|узнать|сориентируйте|"
    r"озвучьте|назовите|"
    r"tell\s+me|let\s+me\s+know|explain|wondering)\b|\bли\b"
)
NOT_A_QUESTION = re.compile(r"^\s*(?:расскажите\s+(?:подробнее|поподробнее|больше)|как\s+дела)\W*$")

# Booking.com, not «my booking» or "a booking engine": the domain, the Russian spelling, the name
# after a preposition, beside a Russian word, or next to another site.
_BOOKING = (r"\bbooking\.com\b|\bбукинг\w*|\b(?:на|с|в|из|on|from)\s+booking\b|(?<=[а-я] )booking\b|\bbooking(?= [а-я])|"
            r"\bbooking\s+(?:и|или|and|or)\s+(?:островок|ostrovok|суточно|hostelworld|airbnb|expedia)")
TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("why_us", re.compile(
        r"\bчем\s+(?:(?:вы|ваш\w*|это|этот|сервис\w*|он|оно)\s+)?(?:лучше|отлича\w*|выгодн\w*|удобн\w*)|"
        r"\bв\s+чем\s+(?:(?:ваше?|его|их)\s+)?(?:преимуществ|отличи|плюс|фишк|выгод)\w*|\bпреимуществ\w*|"
        r"\bзачем\s+(?:это\s+)?(?:нам|мне)\b|\bwhat\s+makes\s+(?:you|it|your\s+\w+)\s+(?:different|better|special)|"
        r"\bwhy\s+(?:should\s+(?:we|i)|would\s+(?:we|i)\s+need)\b|\bhow\s+(?:are\s+you|is\s+(?:it|this|yours))\s+"
        r"(?:different|better)\b|\badvantages?\b")),
    ("platforms", re.compile(
        r"\bяндекс\w*|\b2\s*гис\w*|\bдубль\s*гис|\bgoogle\b|\bгугл\w*|\bотзовик\w*|\birecommend|\bайрекоменд|"
        r"\bflamp\b|\bфламп\w*|\bплощадк\w*|\bплатформ(?:ах|ами|ы)\b|\bкарт(?:ах|ами)\b|\btripadvisor\b|"
        r"\bавито\b|\bavito\b|\bпродокторов\b|\bzoon\b|\bсайт\w*\s+отзыв\w*|\breview\s+sites?\b|\bplatforms?\b|"
        r"\bmaps\b|" + _BOOKING + r"|\bостров(?:ок|ка|ке|ку|ком)\b|\bostrovok\b|\btrustpilot\b|\byelp\b|"
        r"\bwildberries\b|\bвайлдберриз\b|\bozon\b|\bозон\w*|\bпродокторов\w*")),
    ("features", re.compile(
        r"\bфункци\w*|\bфункционал\w*|\bвозможност\w*|\bчто\s+(?:умеет|умеете|может|делает)|\bкак\s+(?:это\s+|он\s+)?"
        r"работает|\bумеет\b|\bумеете\b|\bмониторинг\w*|\bуведомлени\w*|\bоповещени\w*|\bалерт\w*|\bнегатив\w*|"
        r"\bqr\b|\b(?:собира|сбор)\w*\s+отзыв\w*|\bfeatures?\b|\bcapabilit\w*|\bwhat\s+(?:can|does)\b|"
        r"\bhow\s+does\s+it\s+work\b|\bnotifications?\b|\balerts?\b")),
    ("price", re.compile(
        r"\bцен[аыуе]?\b|\bценообраз\w*|\bстоимост\w*|\bсколько\s+(?:это\s+|он\s+)?сто(?:ит|ят|ить)|\bпочем\b|"
        r"\bтариф\w*|\bпрайс\w*|\bрасценк\w*|\bбюджет\w*|\bоплат\w*|\bплатн\w*|\bдорог\w*|\bскидк\w*|"
        r"\bprice\w*|\bcost\w*|\bhow\s+much\b|\btariff\w*|\bfees?\b")),
    ("how_to_start", re.compile(
        r"\bкак\s+(?:начать|подключ\w*|внедр\w*|запуст\w*)|\bс\s+чего\s+начать|\bподключ(?:ени\w*|ить)\b|\bвнедрени\w*|"
        r"\bонбординг\w*|\bсколько\s+времени\s+(?:занимает|нужно|уйдет)|\bсроки\s+(?:подключ|внедр|запуск)\w*|"
        r"\bhow\s+(?:to|do\s+we|can\s+we)\s+(?:start|begin|get\s+started|onboard|set\s+up)|\bget\s+started\b|"
        r"\bonboarding\b")),
    ("pilot", re.compile(
        r"\bпилот\w*|\bтестов\w*\s+(?:период|доступ|режим)\w*|\bтест-драйв\w*|\bпробн\w*|\bтриал\w*|\btrial\b|"
        r"\bpilot\b|\bпопробовать\s+(?:бесплатно|на)\b|\bпротестировать\b|\bбесплатн\w*\s+(?:период|доступ|тест)\w*|"
        r"\bдемо-доступ\w*")),
    ("integrations", re.compile(
        r"\bинтеграц\w*|\bинтегрир\w*|\bapi\b|\bапи\b|\bcrm\b|\bцрм\b|\b1с\b|\b1c\b|\bбитрикс\w*|\bbitrix\w*|"
        r"\bamocrm\b|\bамо\s*срм\b|\bвебхук\w*|\bwebhooks?\b|\bвыгрузк\w*|\bэкспорт\w*|\bintegrat\w*|"
        r"\bconnect\w*\s+(?:to|with)\b|\bzapier\b|\bslack\b|\bpower\s*bi\b")),
    ("company", re.compile(
        r"\bкто\s+вы\b|\bвы\s+кто\b|\bчто\s+за\s+компани\w*|\bваша\s+компани\w*|\bо\s+(?:вашей\s+)?компании\b|"
        r"\bnapoleon\b|\bнаполеон\w*|\bна\s+рынке\b|\bваши\s+клиент\w*|\bклиент\w*\s+у\s+вас|\bкейс\w*|"
        r"\bреференс\w*|\bреестр\w*|\bгде\s+(?:вы\s+)?находит\w*|\bwho\s+are\s+you\b|\byour\s+company\b|"
        r"\bкто\s+(?:из\s+[\w-]+\s+(?:[\w-]+\s+)?)?(?:уже\s+)?(?:пользу\w+|использу\w+|работа\w+\s+с\s+вами)|"
        r"\bwho\s+(?:else\s+)?uses\b|\byour\s+clients\b|\bу\s+вас\s+клиент\w*|"
        r"\bcase\s+stud\w*|\breferences\b")),
    ("ai_replies", re.compile(
        r"\bии\b|\bнейросет\w*|\bискусственн\w*\s+интеллект\w*|\bai\b|\bgpt\b|\bchatgpt\b|\bчат\s*gpt\b|"
        r"\bответ\w*\s+на\s+отзыв\w*|\bотвеча\w*\s+на\s+отзыв\w*|\bавтоответ\w*|\bавтоматическ\w*\s+"
        r"(?:ответ|отвеча)\w*|\bгенерир\w*\s+ответ\w*|\bшаблон\w*\s+ответ\w*|\brepl(?:y|ies)\s+to\s+reviews\b|"
        r"\brespond\w*\s+to\s+reviews\b|\bartificial\s+intelligence\b")),
    ("reports", re.compile(
        r"\bотчет\w*|\bаналитик\w*|\bстатистик\w*|\bдашборд\w*|\bdashboards?\b|\bдинамик\w*|"
        r"\bсравнени\w*\s+(?:филиал|точек|локац)\w*|\bрейтинг\w*|\breports?\b|\breporting\b|\banalytics\b|"
        r"\bmetrics\b|\bkpi\b|\bnps\b")),
    ("who_for", re.compile(
        r"\bдля\s+кого\b|\bкому\s+(?:подходит|подойдет|нужен)|\bподойдет\s+ли\b|\bподходит\s+ли\b|"
        r"\bнам\s+подойдет\b|\bдля\s+(?:малого|небольшого|нашего|какого|каких)\s+(?:бизнес|компани)\w*|"
        r"\b(?:для|у\s+нас|всего|только)\s+(?:[\w-]+\s+)?одн(?:а|ой|у)\s+(?:точк|клиник|кофейн|локац|филиал)\w*|\bwho\s+is\s+it\s+for\b|\bsuitable\s+for\b|"
        r"\ba\s+good\s+fit\b|\bпотян\w+|\bвыдерж\w+|\bмасштаб\w*|\bscale\b")),
)  # fmt: skip


# Review sites a client may ask about beyond the ones the default product facts list. A site the
# platforms answer (`prompts/answers/platforms.md`, edited by the team) does not name is promised to a
# specialist, never answered with a yes or a no.
OTHER_PLATFORMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern)) for name, pattern in (
        ("TripAdvisor", r"\btrip\s*advisor\b|\bтрип\s*эдвайзер\w*|\bтрипадвизор\w*"),
        ("Booking.com", _BOOKING),
        ("Островок", r"\bостров(?:ок|ка|ке|ку|ком)\b|\bostrovok\b"),
        ("Авито", r"\bавито\b|\bavito\b"),
        ("ПроДокторов", r"\bпродокторов\w*|\bprodoctorov\b"),
        ("Zoon", r"\bzoon\b"),
        ("Trustpilot", r"\btrustpilot\b"),
        ("Yelp", r"\byelp\b"),
        ("Wildberries", r"\bwildberries\b|\bвайлдберриз\b|\bвб\b"),
        ("Ozon", r"\bozon\b|\bозон\w*"),
    )
)


def unlisted_platforms(norm: str, answer_norm: str) -> list[str]:
    """Review sites `norm` asks about that the platforms answer (`answer_norm`) does not name."""
    return [name for name, pattern in OTHER_PLATFORMS if pattern.search(norm) and not pattern.search(answer_norm)]


# Ready to buy: the contract or the invoice asked for, or a wish to buy or pay. A person closes the
# deal (handoff, `handoff_purchase.md`), not another round of the deck and the demo.
_BOUGHT = (  # what is bought is the service («готовы купить», «оплатить подписку»), not a domain or an ad
    r"(?=\s*(?:[,.!?;:)]|$|\s+(?:у\s+вас\s+)?(?:сервис|подписк|тариф|лиценз|доступ|napoleon|наполеон|это|его|ее|"
    r"решени|продукт|систем|платформ)))"
)
PURCHASE = re.compile(
    r"\b(?:пришл|присл|вышл|высыл|скин|отправ|направ|выстав|подготов|оформ|дайте|send|issue|prepare)\w*[\s,]+"
    r"(?:(?!презентац|материал|deck|slides)[\w-]+[\s,]+){0,3}(?:договор(?:а|ы)?\b|сч[её]т(?:а|ы)?\b|оферт\w*|contract|invoice|agreement)|"
    r"\b(?:готовы|хотим|хочу|будем)\s+(?:[\w-]+\s+)?(?:(?:купить|оплатить|приобрести)" + _BOUGHT + r"|заключ\w+\s+договор)|"
    r"\b(?:как|где)\s+(?:у\s+вас\s+)?(?:купить|оплатить|приобрести)" + _BOUGHT + r"|"
    r"\bready\s+to\s+(?:buy|sign|pay|purchase)\b|\bhow\s+(?:do|can)\s+we\s+(?:buy|pay\s+for|purchase)\b"
)  # fmt: skip


# Asks the product facts leave open, whatever topic sits beside them: how long the start takes,
# removing reviews from the sites, the contract. A neighbouring answer («как начать», the features)
# would read as a reply to them, so they are promised to a specialist instead (`uncovered_asks`).
UNCOVERED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("timeline", re.compile(
        r"\bсколько\s+(?:времени|дней|недел\w*)\s+(?:\w+\s+)?(?:занима|займ|нужн|надо|уйд|уход|потреб)\w*|"
        r"\bсрок\w*\s+(?:подключ|внедр|запуск|настро)\w*|\bкак\s+(?:быстро|скоро|долго)\s+(?:можно\s+)?"
        r"(?:подключ|запуст|внедр|начать|настро)\w*|\bза\s+(?:какое\s+время|сколько\s+(?:дней|времени))\b|"
        r"\bhow\s+long\s+(?:does|will|would|do)\b|\bhow\s+(?:quickly|fast|soon)\s+(?:can|could|do|will)\s+(?:we|you|i)\s+"
        r"(?:set\s+up|start|launch|onboard|get\s+started|go\s+live)")),
    ("removal", re.compile(
        r"\b(?:удал|убра|убир|скры|скрыв|снест|снос|стира|стере)\w*\s+(?:\w+\s+){0,2}отзыв\w*|"
        r"\bотзыв\w*\s+(?:\w+\s+){0,4}(?:удал|убра|убир|скры|скрыв|снест|снос)\w*|"
        r"\b(?:remove|delete|hide|take\s+down)\s+(?:\w+\s+){0,2}reviews?\b")),
    ("contract", re.compile(r"\bдоговор(?:а|у|ом|е|ы|ов)?\b|\bоферт\w*|\bcontracts?\b|\bsla\b")),
    ("minimum", re.compile(
        r"\bминимальн\w*\s+(?:кол-?во|количеств\w*|число|объем\w*)|\bсколько\s+(?:[\w-]+\s+)?(?:точек|филиалов|локаций)\s+"
        r"(?:минимально|минимум|как\s+минимум)|\bминимум\s+(?:сколько\s+)?(?:точек|филиалов|локаций)|"
        r"\bminimum\s+(?:number\s+of\s+)?(?:locations|stores|branches|sites)")),
    ("free", re.compile(r"\bбесплатн\w*|\bfree\s+(?:trial|of\s+charge|version|plan)\b|\bfor\s+free\b")),
    ("clients", re.compile(
        r"\bкейс\w*|\bклиент\w*\s+у\s+вас|\bваши\s+клиент\w*|\bу\s+вас\s+клиент\w*|\bреференс\w*|"
        r"\bкто\s+(?:из\s+[\w-]+\s+(?:[\w-]+\s+)?)?(?:уже\s+)?(?:пользу\w+|использу\w+|работа\w+\s+с\s+вами)|"
        r"\bcase\s+stud\w*|\breferences\b|\bwho\s+(?:else\s+)?uses\b|\byour\s+clients\b")),
)  # fmt: skip


def asks_to_buy(norm: str) -> bool:
    """The client asks for the contract or the invoice, or to buy («пока не готовы купить» is not)."""
    return affirmed(PURCHASE, norm) is not None


def uncovered_asks(norm: str) -> list[str]:
    """The `UNCOVERED` asks the message makes, in their fixed order."""
    return [name for name, pattern in UNCOVERED if pattern.search(norm)]


def topics_in(norm: str) -> list[str]:
    """Topic labels whose keywords occur in the text, in the fixed order of TOPICS."""
    return [name for name, pattern in TOPICS if pattern.search(norm)]


# A plain thanks or acknowledgement («Спасибо, приглашение получил», «Ок, до встречи»): every word
# is from this short vocabulary and at least one of them thanks or confirms. Used after a booking.
_ACK_CORE = frozenset(
    ["спасибо", "благодарю", "благодарим", "получил", "получила", "получили", "пришло", "пришел", "пришла", "договорились", "принято", "отлично", "супер", "ок", "окей", "ok", "okay", "хорошо", "понял", "поняла", "поняли", "thanks", "thank", "received", "got", "great"]
)
_ACK_OTHER = frozenset(
    ["большое", "огромное", "приглашение", "приглашения", "инвайт", "письмо", "ссылку", "ссылка", "все", "всё", "да", "ага", "тогда", "до", "встречи", "увидимся", "будем", "буду", "ждать", "на", "связи", "вам", "вас", "и", "а", "ну", "уже", "в", "календаре", "календарь", "you", "the", "invite", "invitation", "it", "see", "then", "and", "all", "set",
     "презентацию", "презентация", "материалы", "информацию", "за", "посмотрю", "посмотрим", "изучу", "изучим", "ознакомлюсь", "ознакомимся", "will", "we'll", "i'll", "take", "a", "look", "at", "deck", "presentation", "slides", "for", "info", "information", "much"]
)


_THANKS = frozenset(["спасибо", "благодарю", "благодарим", "получил", "получила", "получили", "пришло", "пришел", "пришла", "thanks", "thank", "received", "got"])


def is_thanks(norm: str) -> bool:
    """An acknowledgement that thanks or confirms receipt («Спасибо, презентацию получил»), not a bare «ок»."""
    return is_acknowledgement(norm) and bool(_THANKS & set(re.findall(r"[a-zа-я']+", norm)))


# A reaction with no words: 👍, 👌🏻, ✅, 🙏, «)))». Negative or puzzled ones (👎, ❌, 🤔, «??») are not.
_POSITIVE_REACTION = re.compile(r"[\U0001F44D\U0001F44C\u2705\u2714\U0001F64F\U0001F91D\U0001F642\U0001F60A\U0001F44B"
                                r"\U0001FAE1\u270C\U0001F4AA\U0001F525\u2764\U0001F44F\U0001F609\U0001F600\U0001F603"
                                r"\U0001F604\U0001F601\U0001F60E\u263A)]")
_NEGATIVE_REACTION = re.compile(r"[\U0001F44E\u274C\U0001F6AB\u26D4\U0001F595\U0001F621\U0001F620\U0001F92C\U0001F4A9"
                                r"\U0001F914\U0001F610\U0001F611\U0001F612\U0001F644\U0001F937\?(]")


def is_positive_reaction(text: str) -> bool:
    """Only emoji or a smiley, at least one of them approving, none negative or puzzled."""
    stripped = text.strip()
    return (bool(stripped) and not re.search(r"\w", stripped) and bool(_POSITIVE_REACTION.search(stripped))
            and not _NEGATIVE_REACTION.search(stripped))


def is_acknowledgement(norm: str) -> bool:
    """`norm` (normalised text) only thanks or confirms receipt, in at most 12 words."""
    tokens = re.findall(r"[a-zа-я']+", norm)
    return 0 < len(tokens) <= 12 and any(t in _ACK_CORE for t in tokens) and all(
        t in _ACK_CORE or t in _ACK_OTHER for t in tokens)


PAUSE_VERB = re.compile(rf"\b{_PAUSE_VERB}\b")
# «перенесите на пятницу», «можно перенести встречу», «давайте сдвинем»: a booked call moved
RESCHEDULE = re.compile(
    r"\b(?:перенес\w*|перенест\w*|перенос\w*|сдвин\w*|сдвинуть|подвин\w*|reschedul\w*|move\s+(?:the|our)\s+(?:call|demo|meeting)|"
    rf"{_MOVE_IT})"
)
