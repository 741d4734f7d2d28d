"""Opt-out detection: does the client ask us to stop writing (Russian and English)?

Recall comes first, but near-misses must not match: «не пишите в выходные», «можете не писать
подробно», «отписался по ошибке, верните», «отпишите мне, когда будет КП» (colloquial «reply to
me»), «stop by our office», «не беспокойтесь». So a negated contact verb («не пишите») only counts
when every other word of its clause is a filler from an allow-list («мне», «больше», «пожалуйста»,
«на эту почту»…): any qualifier («в выходные», «подробно», «пока», «до января») makes it a
different request. «не пишите сюда» is a channel change, not an opt-out, when the message offers
another channel or address.
"""

from __future__ import annotations

import re

from agent.understanding.calendar_ru import normalize, words

_SPLIT = re.compile(
    r"[.,!?;:\n()«»\"]+|\s[-—]\s|\s(?:и|а|но|или|ведь|так\s+как|потому\s+что|and|but|or|because)\s"
)
_TOKEN = re.compile(r"[a-zа-я0-9'’]+(?:-[a-zа-я0-9]+)*")

_FILLER = frozenset(
    words(
        """мне нам меня нас вам вас вы я мы больше более никогда впредь пожалуйста прошу просим
    убедительно очень ничего никаких никакие никакой никакого писем письма письмо сообщений
    сообщения сообщение рассылку рассылки рассылок предложений предложения рекламу рекламы спам
    ваши ваших вашу ваш вашей эти этих это этим этот эту этой подобные подобных такие таких
    уже вообще совсем сюда этом здесь на в почту адрес номер чат емейл имейл email e-mail об о по
    этому поводу вопросу звонить писать присылать слать беспокоить тревожить спамить отправлять
    надоедать просто тогда также тоже еще раз можете можно ли могли бы будьте добры любезны
    лучше и не ни уж все всё всем ок ладно итак общем
    me us to again anymore any more ever please here at this that address email emails mail
    anything messages message stuff such these i we so just kindly and not ok you your thanks"""
    )
)
_PLACES = frozenset({"сюда", "здесь", "почту", "адрес", "чат", "номер", "email", "e-mail", "here", "address"})

_NEG_VERB = re.compile(
    r"\bне\s+(?:надо\s+|нужно\s+|стоит\s+)?(?:(?:мне|нам|больше|более|ничего|уже)\s+)*(?:пиш(?:ите|и)|писать|присылай(?:те)?|присылать|слать|"
    r"шлите|отправляй(?:те)?|отправлять|беспоко(?:ить|йте|й)|тревожь(?:те)?|тревожить|"
    r"спамьте|спамить|надоедай(?:те)?|надоедать|донимай(?:те)?|донимать|рассылай(?:те)?)(?![а-я])"
    r"|\b(?:do\s+not|don'?t|dont|never)\s+(?:ever\s+)?(?:email|e-mail|mail|write|contact|message|text|"
    r"spam|send|bother|call|reach\s+out)\b"
)
_STOP_VERB = re.compile(
    r"\b(?:перестаньте|перестань|прекратите|прекрати|хватит|заканчивайте|завязывайте)\s+"
    r"(?:(?:мне|нам|уже|пожалуйста|меня|нас)\s+)*(?:писать|присылать|слать|спамить|беспокоить|"
    r"надоедать|донимать|названивать|звонить|отправлять|рассылать|тревожить|эту\s+рассылку|"
    r"рассылку|ваш\s+спам|этот\s+спам|спам|это)(?![а-я])"
    r"|\bstop\s+(?:emailing|e-mailing|mailing|writing|sending|contacting|messaging|texting|spamming|"
    r"bothering|calling)\b"
)
_NO_CALLS = re.compile(
    r"\b(?:больше|никогда)\s+(?:мне\s+|нам\s+)?не\s+звоните\b|\bне\s+звоните\s+(?:мне\s+|нам\s+)?(?:больше|никогда)\b"
)
_UNSUBSCRIBE = re.compile(r"\bотпиш(?:ите|и)\b|\bunsubscribe\b(?!d)")
_UNSUBSCRIBE_OK = frozenset({"меня", "нас", "пожалуйста", "от", "рассылки", "рассылок", "этой", "вашей",
                             "всех", "всего", "этого", "адрес", "почту", "мою", "нашу", "скорее", "уже",
                             "срочно", "наконец", "me", "us", "please", "from", "this", "list", "i",
                             "want", "to", "how", "do"})  # fmt: skip
_UNSUBSCRIBE_ANYWHERE = re.compile(
    r"\bотписаться\b|\bотписать\s+(?:меня|нас)\b|\bотписк[аиуе]\b|\bотпишусь\b|\bотписываюсь\b"
)
_ANYWHERE = re.compile(
    r"\b(?:удал|убер|исключ|вычеркн|выпиш|сотр)(?:ите|и|ить|ать)\s+(?:меня|нас|мой|мою|мои|наш\w*|"
    r"этот\s+адрес|мой\s+адрес)\b|"
    r"\b(?:удал|убер|исключ|вычеркн)(?:ите|и|ить|ать)\s+(?:\w+\s+){0,3}?(?:из|с)\s+(?:ваш\w*\s+|эт\w*\s+)?"
    r"(?:рассыл\w*|баз\w*|списк\w*|адресат\w*|контакт\w*|crm)|"
    r"\bне\s+(?:хочу|хотим|желаю|желаем)\s+(?:больше\s+)?(?:получать|видеть)\s+(?:от\s+вас\s+)?"
    r"(?:ваш\w*|эт\w*|подобн\w*|рассыл\w*|письм\w*|сообщени\w*|ничего)|"
    r"\bотказ\w*\s+от\s+(?:ваш\w*\s+)?(?:рассыл\w*|писем|получени\w*|сообщени\w*)|"
    r"\bне\s+подписыва\w*\s+на\b|\bотстань(?:те)?\b|\bотвяжи(?:тесь|сь)\b|\bотвали(?:те)?\b|"
    r"\bзабудьте\s+(?:мой|мою|этот|наш\w*|про\s+(?:меня|нас)|обо\s+мне)\b|"
    r"\b(?:пожалуюсь|пожалуемся|отмечу|отмечаю|помечу|помечаю|отправлю|отправляю)\s+(?:\w+\s+){0,2}?"
    r"(?:как|в)\s+спам\b|^\s*это\s+спам\b|\bзаблокирую\b|\bв\s+черный\s+список\b|"
    r"\bremove\s+(?:me|us|my\s+\w+|this\s+address)\s+from\b|\btake\s+(?:me|us)\s+off\b|"
    r"\bdelete\s+(?:me|my\s+(?:data|email|address|contact))\b|\bopt\s+(?:me\s+|us\s+)?out\b|"
    r"\bleave\s+(?:me|us)\s+alone\b|\bno\s+more\s+(?:e-?mails?|messages?|spam)\b|"
    r"\b(?:don'?t|do\s+not)\s+want\s+to\s+(?:receive|get)\s+(?:any\s+)?(?:more\s+)?(?:of\s+)?"
    r"(?:your|these|such|this|any)?\s*(?:e-?mails?|messages?|newsletters?|mail)\b|"
    r"\bmark(?:ing)?\s+(?:this|it|you)\s+as\s+spam\b"
)
_BLOCKERS = re.compile(
    r"по\s+ошибке|случайно|верните|обратно|не\s+(?:хочу|надо|нужно|буду|стоит)\s+отпис|by\s+mistake|"
    r"accidentally|resubscribe"
)
_WHOLE = frozenset({"стоп", "stop", "хватит", "отписка", "отписаться", "отпишите", "unsubscribe", "спам",
                    "spam", "удалите", "удалить", "прекратите", "отстаньте", "stop please", "please stop",
                    "стоп пожалуйста", "пожалуйста стоп", "хватит спамить", "remove", "remove me",
                    "не пишите", "не пишите мне", "не беспокойте"})  # fmt: skip
_OTHER_CHANNEL = re.compile(
    r"@|\+?\d[\d\s()-]{8,}|телеграм|telegram|whatsapp|вотсап|ватсап|viber|вайбер|личк|"
    r"(?<!не\s)(?:на)?пишите\s+(?:мне\s+)?(?:в|на)\b|(?<!не\s)звоните|(?<!не\s)позвоните"
)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _fillers_only(clause: str, match: re.Match[str], allowed: frozenset[str] = _FILLER) -> bool:
    rest = _tokens(clause[: match.start()]) + _tokens(clause[match.end() :])
    return all(token in allowed for token in rest)


def _clause_opt_out(clause: str, whole_text: str) -> bool:
    for found in _NEG_VERB.finditer(clause):
        if _fillers_only(clause, found):
            rest = set(_tokens(clause[: found.start()]) + _tokens(clause[found.end() :]))
            # «не пишите сюда, пишите в телеграм» is a channel change, not an opt-out
            return not (rest & _PLACES and _OTHER_CHANNEL.search(whole_text.replace(clause, " ")))
    if _NO_CALLS.search(clause) and not _OTHER_CHANNEL.search(whole_text):
        return True  # «больше не звоните»; a bare «не звоните, пишите» is a channel preference
    for found in _STOP_VERB.finditer(clause):
        if _fillers_only(clause, found):
            return True
    if _BLOCKERS.search(whole_text):
        return False
    return any(_fillers_only(clause, found, _UNSUBSCRIBE_OK) for found in _UNSUBSCRIBE.finditer(clause))


def is_opt_out(text: str) -> bool:
    """True when the message asks to stop contacting the client (unsubscribe, «не пишите мне больше»)."""
    return bool(opt_out_phrases(text))


def squeezed(norm: str) -> str:
    """A normalised text as the stop phrases are matched on it (commas and «пожалуйста»/"please" left out)."""
    return re.sub(r"\s+", " ", re.sub(r",|\bпожалуйста\b|\bplease\b", " ", norm))


def opt_out_phrases(text: str) -> list[str]:
    """The words of the message that ask to stop (the whole message, a stop phrase, or the clauses
    that are a request to stop); empty when it does not ask."""
    norm = normalize(text).replace("’", "'")
    bare = " ".join(_tokens(norm))
    if bare in _WHOLE:
        return [bare]
    if found := _ANYWHERE.search(squeezed(norm)):
        return [found.group(0)]
    if (found := _UNSUBSCRIBE_ANYWHERE.search(norm)) and not _BLOCKERS.search(norm):
        return [found.group(0)]  # «отписаться» — unless «нажал отписаться по ошибке, верните»
    return [clause.strip() for clause in _SPLIT.split(norm) if clause.strip() and _clause_opt_out(clause, norm)]
