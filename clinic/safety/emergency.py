"""Deterministic emergency detection (pure: no Rasa imports).

Runs on every message before any model-driven behaviour (see clinic/nlu/safety_gate.py),
so a visitor who describes a medical emergency or a suicidal crisis gets the 911 / 988
reply even in the middle of the booking form. The signs, their sources and the measured
miss / false-alarm counts are in docs/safety.md; tests/safety/phrasings.yml (English) and
tests/safety/phrasings_es.yml (Spanish) hold the phrasings the measurement uses.

How a message is checked:

1. it is normalised (lower case, no accents, "cant" -> "can't", ...; see
   clinic/safety/text.py);
2. every rule's ``pattern`` is searched; a hit counts unless it is negated in its clause
   ("no chest pain", "no tengo dolor de pecho"), sits in a conditional or general question
   ("what are the signs of a stroke?"), or its clause is in the remote past ("a stroke two
   years ago", "desde hace meses") while nothing in the message says "now";
3. rules with ``also`` patterns need each of them too (a head injury *and* tingling);
4. a rule that is not ``strong`` is dropped when the message is clearly about exercise or
   about whether our therapies help ("is FMM good for neck pain?"), unless a ``boost``
   pattern says otherwise (chest pain that spreads to the arm always counts).

The English rules are below, the Spanish ones in clinic/safety/emergency_es.py; each rule
uses the cues of its own language (Spanish rules also the English ones, for Spanglish).
Crisis rules come first, and within a kind the Spanish rules come before the English ones
(which they never match). The match says which language to answer in: Spanish when a
Spanish rule matched, or when an English rule matched a message that is mostly Spanish
("mi mamá is having a stroke, creo").

Crisis rules (suicidal intent) only honour an explicit "not suicidal": when in doubt the
visitor gets the 988 message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Pattern, Tuple

from clinic.safety.emergency_es import SPANISH_RULES, THERAPY_QUESTION_ES
from clinic.safety.rule import CRISIS, MEDICAL, Rule
from clinic.safety.rule import rx as _rx
from clinic.safety.text import (
    ENGLISH,
    SPANISH,
    clause_is_remote_past,
    is_hypothetical,
    is_negated,
    looks_spanish,
    mentions_present,
    normalise,
)

__all__ = ["CRISIS", "MEDICAL", "EmergencyMatch", "Rule", "detect_emergency", "rules"]


@dataclass(frozen=True)
class EmergencyMatch:
    """Which kind of emergency a message describes, which rule matched, and the language."""

    intent: str  # MEDICAL or CRISIS
    rule: str  # the rule's name, e.g. "chest pain"
    sign: str = ""  # the group of signs in docs/safety.md, e.g. "chest"
    language: str = ENGLISH  # the language to answer in: "en" or "es"


_W = r"(?:[\w'-]+\W+)"  # one word and what follows it
_POSS = r"(?:my|his|her|their|the|our|your)"
_PERSON = r"(?:i|i'm|he|he's|she|she's|they|they're|we|my \w+|someone)"
_SUDDEN = r"(?:sudden(?:ly)?|all of a sudden|out of nowhere|abruptly|out of the blue)"
_SELF = r"(?:my|him|her|them)sel(?:f|ves)"

# Exercise and muscle context: chest soreness after a workout is not a heart attack.
_EXERCISE = _rx(
    r"\b(work ?out|working out|gym|bench|push-? ?ups?|pull-? ?ups?|pecs?|pectorals?)\b",
    r"\bchest (day|muscles?|stretch\w*|exercises?|fl(y|ies|yes)|press)\b",
    r"\blift(ing|ed)? (boxes|weights)\b|\bweights\b|\bpulled (a )?muscle\b",
    r"\bmuscle in my chest\b|\btrigger points?\b|\bsitting hunched\b",
)
# "Is FMM good for ...", "can massage help ...": questions about our therapies.
_THERAPY_QUESTION = _rx(
    r"\b(can|could|does|do|will|would|is|are|should)\b[^.?!]{0,50}"
    r"\b(nmt|fmm|massages?|neuromuscular|therap\w*|treatments?|sessions?|you|"
    r"your (clinic|therapists?))\b"
    r"[^.?!]{0,50}\b(help\w*|good|work|treat|fix|safe|ok|okay|useful)\b",
    r"\b(nmt|fmm|massage)\b[^.?!]{0,25}\bfor\b",
)
# What makes chest discomfort a heart-attack warning sign even after a workout.
_CARDIAC_COMPANION = _rx(
    r"\b(arm|arms|jaw|neck|back|shoulder)\b[^.?!]{0,25}"
    r"\b(pain|hurts?|hurting|numb\w*|tingl\w*|aches?|aching|heavy|weak\w*)\b",
    r"\b(spread\w*|radiat\w*|going|goes|moving|moves|shoot\w*|travel\w*)\b[^.?!]{0,15}"
    r"\b(arm|jaw|neck|back|shoulder)\b",
    r"\bshort(ness)? of breath\b|\bbreathless\b|\bcan't (breathe|catch \w+ breath)\b",
    r"\bsweat\w*|\bclammy\b|\bnause\w*|\b(feel|feeling) sick\b|\bvomit\w*|\bthrowing up\b",
    r"\bdizz\w*|\blight-? ?headed\b|\bfaint\w*",
    r"\bright now\b|\bwon't (go away|stop)\b",
    r"\bcrushing\b|\bsqueezing\b|\belephant\b|\bheart attack\b",
)
_RECENT = _rx(
    r"\b(now|just|today|yesterday|tonight|this (morning|afternoon|evening)|since)\b",
    r"\b(an|a few|few|\d+|some|couple of) (minutes?|hours?|days?) ago\b",
)
_BACK = _rx(r"\b(back|spine|spinal|sciatica|disc|disk|lumbar)\b")
_WHILE_SITTING = _rx(
    r"\b(when|while|if) (i|i'm) (sit|sitting)\b",
    r"\b(from|after) sitting\b",
    r"\bsit(ting)? (too )?long\b",
)
_FIGURATIVE_DEATH_WISH = (
    r"(?! than (do|miss|wait|cancel|go|pay|eat|run|sit|get|have|try|skip|drive|work)\b)"
)

_RULES: Tuple[Rule, ...] = (
    # ------------------------------------------------------------------ crisis (988)
    Rule(CRISIS, "crisis", "suicidal intent", _rx(
        r"\b(suicid\w*|sucid\w*|suiside\w*|suicdal)\b"
        r"(?! (squat|door|squeeze|run|drill|sprint)s?)",
        r"\b(kill|killing|hang|hanging|shoot|shooting|drown|drowning|poison|poisoning) "
        + _SELF + r"\b(?! (at|with|over|on|for|in|to get|trying|working|laughing)\b)",
        r"\b(end|ending|take|taking|end to) (my|his|her) (own )?life\b",
        r"\b(end|ending) (it all|everything)\b|\bend it (tonight|today|now|soon)\b",
        r"\b(thinking (about|of)|thought (about|of)|plan\w* (on|to)|going to|gonna|"
        r"want to|wanna) (end|ending) it\b",
        r"\b(want|wanna|wish|ready|going|gonna) (to )?die\b"
        r"(?! (my|his|her|the|it|them|this)\b)",  # "want to die my hair"
        r"\bbetter off dead\b|\brather (be dead|die)\b" + _FIGURATIVE_DEATH_WISH,
        r"\b(no ?one|nobody|no-one|anyone|people) (would|will|wouldn't|won't) (even )?"
        r"(miss|notice|care)( about)?( me)? if i (was|were|am|died|disappeared|'m)\b",
        r"\b(pills|meds|rope|gun)\b[^.?!]{0,40}\b(end|ending) (it|things|everything|my life)\b",
        r"\bstockpil\w*",
        r"\b(want|wanna|going|gonna) to stop (living|existing)\b",
        r"\bwant (my life|it all|everything|life) to (be over|end|stop)\b",
        r"\bhate my life\b[^.?!]{0,30}\b(over|end|die|dead)\b",
        r"\b(no|don't see the|don't see any|what's the|there's no|lost the) point (in |of )?"
        r"(living|life|going on|being alive)\b",
        r"\bnever (to )?wake up\b",
        r"\b(done|finished) with (life|living)\b|\btired of (living|being alive|life)\b",
        r"\bwish (i|i'd) (was|were|had been) (dead|never born)\b",
        r"\bbetter off without me\b",
        r"\bbetter off if i (was|were|wasn't|weren't) (dead|here|around|alive)\b",
        r"\b(don't|do not|no longer) want to (live|be alive|be here anymore|exist|wake up)\b",
        r"\bno reason (for me )?to (live|go on|keep going)\b",
        r"\b(not|isn't|no longer|ain't) worth living\b|\bnothing (left )?to live for\b",
        r"\bcan't (go on|keep going|do this) ?(anymore|any more|any longer|living)\b",
    )),
    Rule(CRISIS, "crisis", "self-harm", _rx(
        r"\b(want|wanna|urges?|tempted|thinking (about|of)|thoughts (about|of)|feel like|"
        r"going to|gonna) (to )?(hurt|hurting|harm|harming|cut|cutting) (my|him|her)self\b",
        r"\bself-? ?harm\w*\b",
        r"\b(been|started|keep|am|i'm) cutting (my|him|her)self\b",
        r"\b(jump|jumping|throw myself) (off|from|in front of) (a|the) "
        r"(bridge|building|roof|train|cliff)\b",
    )),
    Rule(CRISIS, "crisis", "overdose", _rx(
        r"\boverdos\w*\b",
        r"\b(take|taking|swallow|swallowing) all (of )?(my|the) "
        r"(pills|meds|medications?|tablets)\b",
        r"\b(took|taken|swallowed) (too many|all (of )?(my|the)|a bunch of|a handful of|"
        r"a whole bottle of) (\w+ )?(pills|meds|medications?|tablets)\b",
    )),
    # ------------------------------------------------------------------ chest / heart
    Rule(MEDICAL, "chest", "heart attack", _rx(
        r"\b(having|is (this|it)|it's|it is|could be|might be|maybe|think it's) "
        r"(a )?heart attack\b",
    )),
    Rule(MEDICAL, "chest", "chest pain or pressure", _rx(
        r"\b(chest|breastbone|sternum)\W+" + _W + r"{0,4}?(pains?|pressure|tight\w*|heavy|"
        r"heaviness|hurts?|hurting|aches?|aching|crush\w*|squeez\w*|discomfort|burning|sore\w*)"
        r"\b(?! points?)",
        r"\b(pains?|pressure(?! points?)|tightness|heaviness|crushing|squeezing|discomfort|"
        r"aches?|aching|burning|heavy feeling|band|weight)\W+" + _W
        + r"{0,3}?(in|on|across|around|inside|behind|under) " + _POSS
        + r" (chest|breastbone|sternum)\b",
        r"\b(crushing|squeezing|tight|heavy|painful) chest\b",
        r"\b(squeez\w*|crush\w*|clench\w*)\b[^.?!]{0,12}\b(my|his|her) heart\b",
        r"\b(sitting|standing|pressing) on " + _POSS + r" chest\b",
    ), strong=False, boost=_CARDIAC_COMPANION, unless=_EXERCISE),
    # ------------------------------------------------------------------ stroke (BE FAST)
    Rule(MEDICAL, "stroke", "face drooping", _rx(
        r"\b(face|smile|mouth|lip|eyelid|cheek)s?\b\W+" + _W + r"{0,5}?(droop\w*|sag\w*|"
        r"lopsided|crooked|uneven|fallen|drop(ped|ping|s)|paraly\w*|frozen|won't move|"
        r"isn't moving)",
        r"\b(droop\w*|sagging|lopsided|crooked|uneven) (\w+ ){0,2}(face|smile|mouth)\b",
    ), unless=_rx(
        r"\bwhen (i'm|i am|i get|i'm really) (tired|sleepy|exhausted)\b",
        r"\balways been\b|\bsince birth\b",
    )),
    Rule(MEDICAL, "stroke", "one-sided numbness or weakness", _rx(
        r"\b(one|left|right|half (of )?" + _POSS + r"?|the whole (left|right)) ?side of "
        + _POSS + r" (body|face)\b[^.?!]{0,25}\b(numb\w*|weak\w*|tingl\w*|heavy|dead|"
        r"paraly\w*|won't move|can't move|droop\w*)",
        r"\b(numb\w*|weak\w*|paraly\w*)\b[^.?!]{0,15}\b(on|down) (one|the (left|right)) side\b",
        r"\bhalf (of )?" + _POSS + r" (body|face)\b[^.?!]{0,30}\b(numb\w*|weak\w*|dead|paraly\w*)",
        r"\bone side (feels|is|went|has gone) (numb|weak|dead|heavy)",
        r"\b(can't|couldn't|unable to) (move|feel|use) (the |my |his |her )?"
        r"(left|right|one) side\b",
        r"\b(arm and leg|leg and arm)s?\b[^.?!]{0,30}\b(numb\w*|weak\w*|stopped working|"
        r"won't work|dead|limp|can't)",
        r"\b(arm|leg|hand)s?\b[^.?!]{0,30}\b(just|suddenly) (stopped working|went dead|"
        r"went limp|gave out)",
    )),
    Rule(MEDICAL, "stroke", "sudden weakness, numbness or vision loss", _rx(
        r"\b" + _SUDDEN + r"\W+" + _W + r"{0,8}?(weak\w*|numb\w*|limp|paraly\w*|went dead|"
        r"gave (out|way)|can't (move|lift|raise|feel|use|see|hold)|"
        r"lost (my |his |her )?(vision|sight|balance)|blind\w*|double vision|blurr\w*|"
        r"went (black|dark|blurry|dim)|confus\w*|dizz\w*[^.?!]{0,30}\b(walk|stand|balance)|"
        r"can't (walk|stand) (straight|up|properly))",
        r"\b(weak\w*|numb\w*|limp|paraly\w*|can't (move|lift|raise|feel|use|see))\b"
        r"[^.?!]{0,40}\b" + _SUDDEN,
        r"\b(lost|losing|loss of|lose) (the )?(my |his |her )?(vision|sight) "
        r"(in|on|out of|of) (one|my \w+|his \w+|her \w+|the \w+) eye\b",
        r"\bcan't see (out of|with|from|in) (one|my (left|right)|his|her) eye\b",
        r"\bjust (lost|went blind)|\bwent blind\b|\bsudden(ly)? (double|blurred|blurry) vision\b",
        r"\bvision (went|goes|is|turned|has gone) (black|dark|blurry|dim|grey|gray)"
        r"[^.?!]{0,20}\b(one|my (left|right)) eye\b",
        r"\b(one|left|right) eye (went|is|turned|has gone) (black|dark|blind)\b",
        r"\bcan't understand (what )?(people|anyone|you|others|my \w+) (are |is )?(saying|say)\b",
    )),
    Rule(MEDICAL, "stroke", "slurred speech", _rx(
        r"\bslurr\w*",
        r"\b(speech|words?|talking)\W+" + _W + r"{0,3}?(slurred|garbled|jumbled|"
        r"coming out wrong|come out wrong|don't make sense|not making sense|all wrong)",
        r"\b(can't|unable to|struggling to|trouble|difficulty|hard to|problems?) "
        r"(speak|speaking|talk|talking|get (my|the|his|her) words out|"
        r"find (my|the|his|her) words)"
        r"(?=\s*(properly|clearly|normally|straight|at all|and|[,.!?]|$))",
    )),
    Rule(MEDICAL, "stroke", "stroke", _rx(
        r"\b(having|is (this|it)|it's|it is|could be|might be|maybe|think it's|"
        r"think (i|he|she|they)('m|'s| am| is| are)? having) (a )?(mini-? ?)?stroke\b",
    )),
    # ------------------------------------------------------------------ headache
    Rule(MEDICAL, "headache", "worst-ever headache", _rx(
        r"\bworst (head ?aches?|headaches?|migraines?|head pain|pain in (my|his|her) head)\b"
        r"[^.?!]{0,30}\b(life|ever|i've (ever )?had|i have ever had|i've felt|i've experienced)\b",
        r"\b(headache|head ?ache|head pain)\b[^.?!]{0,20}\bworst\b[^.?!]{0,25}\b(life|ever)\b",
        r"\bthunder ?clap\b",
    )),
    Rule(MEDICAL, "headache", "sudden severe headache", _rx(
        r"\b(" + _SUDDEN + r"|came on|hit me|exploded|explosive|in seconds)\b[^.?!]{0,40}"
        r"\b(headache|head pain|pain (in|at) (the back of )?" + _POSS + r" head)",
        r"\b(headache|head pain)\b[^.?!]{0,40}"
        r"\b(" + _SUDDEN + r"|in seconds|came on|hit me|exploded)\b",
    ), also=(_rx(
        r"\b(severe|intense|excruciating|splitting|blinding|explosive|worst|agonizing|"
        r"agonising|unbearable|extreme|terrible|horrible|in seconds)\b",
        r"\blike (being|getting) hit\b|\blike a (thunderclap|bat|hammer|explosion|bomb)\b",
    ),)),
    Rule(MEDICAL, "headache", "fever with stiff neck", _rx(
        r"\b(fever\w*|high temperature|temperature of|running a temp\w*|temp of)\b",
    ), also=(_rx(
        r"\bstiff neck\b|\bneck\b\W+" + _W + r"{0,4}?(stiff|rigid)\b",
        r"\bcan't (bend|touch|move) (my )?(neck|chin|head)\b",
    ),)),
    Rule(MEDICAL, "headache", "fever with headache and warning signs", _rx(
        r"\b(fever\w*|high temperature|running a temp\w*)\b",
    ), also=(
        _rx(r"\b(headache|head ?ache|head pain|head hurts)\b"),
        _rx(
            r"\b(rash|light (hurts|bothers)|sensitiv\w* to light|photophobia|confus\w*|"
            r"drowsy|vomit\w*|throwing up|seizure|fits?)\b",
        ),
    )),
    # ------------------------------------------------------------------ spine (cauda equina)
    Rule(MEDICAL, "cauda_equina", "loss of bladder or bowel control", _rx(
        r"\b(lost|losing|loss of|lose|no|can't|cannot|trouble) (\w+ ){0,2}control (of|over) "
        r"(my |his |her )?(bladder|bowels?|pee|poo|urine|peeing)\b",
        r"\b(lost|losing|loss of|lose|no) (my |his |her )?(bladder|bowel) control\b",
        r"\b(can't|cannot|unable to|trouble|no) control(ling)? (when i |my |his |her )?"
        r"(pee|poo|bladder|bowels?|peeing|urine)\b",
        r"\b(wet|peed|pooped|soiled) " + _SELF + r"\b|\bincontinen\w*",
        r"\b(can't|unable to|cannot|couldn't) (pee|urinate|wee)\b",
    ), also=(_rx(r"\b(back|spine|spinal|sciatica|disc|disk|lumbar|legs?|" + _SUDDEN + r")\b"),)),
    Rule(MEDICAL, "cauda_equina", "saddle numbness", _rx(
        r"\bsaddle (numbness|anaesthesia|anesthesia|area (is |feels |went )?numb)\b",
    )),
    Rule(MEDICAL, "cauda_equina", "groin or saddle numbness with back pain", _rx(
        r"\bnumb\w*\W+" + _W + r"{0,2}?(in|around|between|of) (my |his |her )?(groin|genitals?|"
        r"crotch|private parts|privates|bottom|buttocks|bum|butt|inner thighs|legs)\b",
        r"\b(groin|genitals?|crotch|private parts|privates|bottom|buttocks|inner thighs)\b\W+"
        + _W + r"{0,3}?(numb\w*|no feeling)",
        r"\bcan't feel (anything )?(in |around |down )?(my |his |her )?(bottom|butt|bum|groin|"
        r"genitals|private parts|privates)\b",
        r"\bboth legs\b\W+" + _W + r"{0,3}?(numb\w*|weak\w*|tingl\w*|gave (out|way))",
        r"\b(numb\w*|weak\w*|tingl\w*) (in )?both legs\b",
    ), also=(_BACK,), unless=_WHILE_SITTING),
    # ------------------------------------------------------------------ head / neck injury
    Rule(MEDICAL, "head_neck_injury", "head or neck injury with nerve signs", _rx(
        r"\b(hit|hitting|banged|banging|bumped|bumping|smacked|struck|knocked|whacked) "
        r"(my|his|her|their|our) (head|neck)\b",
        r"\b(hit|kicked|struck) (in|on) the head\b|\bhead (injury|trauma)\b|\bblow to the head\b",
        r"\b(fell|fall|falling|landed|dove|dived) (on|onto|off|into|from|and hit)\b",
        r"\bconcuss\w*|\bwhiplash\b|\b(car|bike|motorcycle|cycling|skiing) (accident|crash)\b",
        r"\brear-? ?ended\b|\bcrashed\b|\btackle\w*",
    ), also=(_rx(
        r"\b(tingl\w*|numb\w*|weak\w*|pins and needles|paraly\w*|vomit\w*|throwing up|"
        r"threw up|being sick|confus\w*|passed out|pass(ing)? out|unconscious|knocked out|"
        r"seizure|drowsy|can't stay awake|slurr\w*|double vision|seeing double|"
        r"blurr\w* vision|clear fluid|can't (feel|move) (my|his|her) \w+|"
        r"bleeding from (my|his|her) (ear|nose)s?)",
    ),), strong=False, boost=_RECENT),
    Rule(MEDICAL, "head_neck_injury", "cannot feel or move limbs", _rx(
        r"\bcan't (feel|move) (my|his|her|their) (legs|arms|body|feet and hands|arms and legs|"
        r"legs and arms)\b",
    )),
    # ------------------------------------------------------------------ breathing
    Rule(MEDICAL, "breathing", "difficulty breathing", _rx(
        r"\b(can't|unable to|struggling to|struggle to|hard to|difficult to|trouble|difficulty|"
        r"problems?|hardly|barely|fighting to|can hardly|can barely|"
        r"(not|haven't been|hasn't been|isn't|wasn't) able to) "
        r"(breath\w*|catch (my|his|her|their) breath|get (enough )?(air|a breath))\b",
        r"\bbreathing (is|feels|has become|got|getting) (\w+ )?"
        r"(difficult|hard|laboured|labored|impossible)\b(?! to)",
    ), unless=_rx(
        r"\b(through (my|the|his|her) nose|nose|nasal|stuffy|congested|deeply|deep breaths?)\b",
    )),
    Rule(MEDICAL, "breathing", "sudden or severe shortness of breath", _rx(
        r"\bshort(ness)? of breath\b|\bbreathless\w*\b|\bout of breath\b",
    ), also=(_rx(
        r"\b(sudden\w*|severe\w*|at rest|really bad|very bad|can't (speak|talk)|getting worse|"
        r"worse and worse|lips|blue|gasping|right now)\b",
    ),)),
    Rule(MEDICAL, "breathing", "airway emergency", _rx(
        r"\bgasping\b",
        r"\b(lips|face|fingers) (are |is )?(turning |going |gone )?blue\b",
        r"\bthroat (is )?(closing|swelling|swollen|tight\w* up)\b",
        r"\b(tongue|lips) (is |are )?swelling\b",
        r"\b(i'm|he's|she's|they're|is|are|am) choking\b(?! up)",
        r"\b(isn't|is not|not|stopped|stop) breathing\b",
    )),
    # ------------------------------------------------------------------ other
    Rule(MEDICAL, "other", "collapse or unconscious", _rx(
        r"\b(is|was|went|he's|she's|i'm|they're|found (him|her|them)) unconscious\b",
        r"\bwon't wake up\b|\bunresponsive\b",
        r"\b" + _PERSON + r" (just )?collapsed\b",
    )),
    Rule(MEDICAL, "other", "seizure", _rx(
        r"\b(having|is having|has) (a )?(seizure|fit|convulsion)s?\b",
        r"\bseizing\b|\bconvulsing\b",
    )),
    Rule(MEDICAL, "other", "severe bleeding", _rx(
        r"\bbleeding (heavily|badly|a lot|profusely|everywhere)\b",
        r"\b(won't|can't|doesn't|will not|does not) stop bleeding\b",
        r"\bbleeding (that )?(won't|doesn't|will not|does not|can't) stop\b",
    )),
)


# Crisis rules first; within a kind, Spanish before English (the sort is stable).
_ALL_RULES: Tuple[Rule, ...] = tuple(
    sorted(_RULES + SPANISH_RULES, key=lambda r: (r.intent != CRISIS, r.language != SPANISH))
)
_THERAPY_QUESTIONS = {ENGLISH: _THERAPY_QUESTION, SPANISH: THERAPY_QUESTION_ES}


def rules() -> Tuple[Rule, ...]:
    """All rules, English and Spanish, in the order they are tried (crisis first)."""
    return _ALL_RULES


def _first_live_hit(
    pattern: Pattern[str], text: str, medical: bool, language: str = ENGLISH
) -> Optional[re.Match]:
    """The first hit of ``pattern`` that is not negated, hypothetical or in the remote past."""
    present = mentions_present(text, language)
    for hit in pattern.finditer(text):
        if is_negated(text, hit.start(), language):
            continue
        if medical and is_hypothetical(text, hit.start(), language):
            continue
        if (
            medical
            and not present
            and clause_is_remote_past(text, hit.start(), language=language)
        ):
            continue
        return hit
    return None


def _rule_fires(rule: Rule, text: str) -> bool:
    medical = rule.intent == MEDICAL
    language = rule.language
    if _first_live_hit(rule.pattern, text, medical, language) is None:
        return False
    for extra in rule.also:
        if _first_live_hit(extra, text, medical, language) is None:
            return False
    boosted = (
        rule.boost is not None
        and _first_live_hit(rule.boost, text, medical, language) is not None
    )
    if rule.unless is not None and rule.unless.search(text) and not boosted:
        return False
    if not rule.strong and not boosted and _THERAPY_QUESTIONS[language].search(text):
        return False
    return True


def detect_emergency(text: str) -> Optional[EmergencyMatch]:
    """Returns the first emergency rule the text matches (crisis rules first), or ``None``."""
    if not text or not text.strip():
        return None
    normalised = normalise(text)
    for rule in _ALL_RULES:
        if _rule_fires(rule, normalised):
            spanish = rule.language == SPANISH or looks_spanish(normalised)
            return EmergencyMatch(
                intent=rule.intent,
                rule=rule.name,
                sign=rule.sign,
                language=SPANISH if spanish else ENGLISH,
            )
    return None
