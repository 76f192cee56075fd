"""Finds health conditions a massage therapist must know about first (pure: no Rasa imports).

When a visitor mentions one of these, the assistant asks them to check with their doctor
first and, if they agree, adds a note for the clinic to the booking request. The note holds
only the category names below (``"pregnancy; blood thinners"``), never the visitor's own
words. docs/safety.md lists the categories and the measured counts
(tests/safety/contraindications.yml; Spanish: tests/safety/contraindications_es.yml).

Spanish mentions ("estoy embarazada", "tomo anticoagulantes", "me operaron de la rodilla")
are found by a second, Spanish pattern per category, matched without accents and judged
with the Spanish cues of clinic/safety/text.py (negation "no / ya no / nunca / sin", years
back "hace diez años / de niña / hace mucho"). A message with no Spanish word is judged
exactly as before Spanish was added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Match, Optional, Pattern, Tuple

from clinic.safety.text import (
    ENGLISH,
    LONG_AGO,
    LONG_AGO_ES,
    SPANISH,
    clause_is_remote_past,
    is_negated,
    looks_spanish,
    mentions_present,
    normalise,
)

PREGNANCY = "pregnancy"
BLOOD_THINNERS = "blood thinners"
SURGERY_OR_FRACTURE = "recent surgery or fracture"
BLOOD_CLOT = "blood clot"
CANCER_TREATMENT = "cancer treatment"
FEVER_OR_INFECTION = "fever or infection"
SKIN_CONDITION = "skin condition"

#: Every category, in the order notes list them.
CATEGORIES: Tuple[str, ...] = (
    PREGNANCY,
    BLOOD_THINNERS,
    SURGERY_OR_FRACTURE,
    BLOOD_CLOT,
    CANCER_TREATMENT,
    FEVER_OR_INFECTION,
    SKIN_CONDITION,
)
NOTE_SEPARATOR = "; "


@dataclass(frozen=True)
class _Category:
    name: str
    pattern: Pattern[str]
    past_matters: bool  # True: a mention long ago still counts (a history of clots)
    spanish: Optional[Pattern[str]] = None  # the Spanish wording (text without accents)


def _rx(*alternatives: str) -> Pattern[str]:
    """Compiles alternatives, one per argument, into one pattern."""
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


_BODY = (
    r"(bone|arm|leg|wrist|ankle|ribs?|collarbone|clavicle|hip|foot|feet|hand|finger|toe|"
    r"vertebra\w*|back|neck|shoulder|elbow|knee|pelvis|jaw|nose|shin|tibia|fibula|femur)"
)

# ----------------------------------------------------------------------------- Spanish
# Written for text that went through ``normalise``: lower case, no accents ("muneca" is
# "muñeca", "ano" is "año", "me fracture" is "me fracturé").

_BODY_ES = (
    r"(huesos?|brazos?|piernas?|munecas?|tobillos?|costillas?|clavicula|cadera|pies?|manos?|"
    r"dedos?|vertebras?|cuello|hombros?|codos?|rodillas?|pelvis|mandibula|quijada|nariz|"
    r"tibia|perone|femur|espinilla|coxis|rotula|antebrazo|talon)"
)
# Removed or replaced in an operation ("me quitaron la vesícula").
_ORGAN_ES = (
    r"(vesicula|apendice|utero|matriz|tiroides|ovarios?|rinon|bazo|menisco|ligamento|tumor|"
    r"quiste|hernia|amigdalas|senos?|mamas?|prostata|rodilla|cadera|hombro|protesis)"
)
_ARTICLE_ES = r"(el |la |los |las |un |una |mi |mis |su |sus |dos |unas |unos )?"

_PREGNANCY_ES = _rx(
    r"\bembara[sz]ad[ao]s?\b",
    # "la prueba de embarazo salió negativa" is not a pregnancy
    r"(?<!prueba de )(?<!test de )(?<!pruebas de )\bembara[sz]os?\b",
    r"\bencinta\b|\bestoy panzona\b|\ben estado de buena esperanza\b",
    r"\b(primer|segundo|tercer|1er|2do|3er|ultimo) trimestre\b",
    r"\b(estoy|esta|va|voy) (de|por los|a los) (\d+|uno|dos|tres|cuatro|cinco|seis|siete|"
    r"ocho|nueve) (meses|semanas)\b(?! de (vacaciones|descanso|licencia))",
    r"\b(estoy|estamos|esta|estan) esperando (a |un |una |mi |nuestro |nuestra |su )?"
    r"(primer |segundo |tercer |nuevo )?(bebe|bebito|bebita|nino|nina|hij[oa]|gemel[oa]s|"
    r"cuates)\b",
    r"\b(fecha de parto|salgo de cuentas|voy a dar a luz|voy a ser mama)\b",
    r"\b(voy|vamos) a tener (un |una |mi |nuestro |nuestra )?(bebe|bebito|bebita|nino|nina|"
    r"hij[oa]|gemel[oa]s|cuates)\b",
)
_BLOOD_THINNERS_ES = _rx(
    r"\banticoagula\w*|\bantiagregante\w*",
    r"\b(adelgazar|adelgaza|adelgazan|adelgazante|diluir|diluye|diluyen|aclarar|aclara|"
    r"rebajar|licuar|fluidificar)s? (la )?sangre\b",
    r"\bwarfarina\b|\bheparina\b|\benoxaparina\b|\bacenocumarol\b|\bsintrom\b|"
    r"\bclopidogrel\b|\bapixaban\b|\brivaroxaban\b|\bdabigatran\b|\bedoxaban\b",
    r"\b(inyeccion|pastilla|medicina|medicamento)e?s? (para|contra) (la )?coagulacion\b",
    r"\baspirin(a|ita)s? (diaria|al dia|todos los dias|cada dia|de bebe|infantil|"
    r"de 81|para el corazon)\b",
)
_SURGERY_OR_FRACTURE_ES = _rx(
    # "una alternativa a la cirugía" is no operation
    r"(?<!alternativa a la )(?<!alternativa a una )(?<!en vez de la )"
    r"(?<!en lugar de la )(?<!evitar la )(?<!evitar una )\bcirugias?\b",
    r"\b(me|le|la|lo|nos|les) (operaron|opero|operan|operaran|van a operar|acaban de operar|"
    r"ha operado|han operado|operaban)\b|\bme (opere|voy a operar|tengo que operar)\b",
    r"\b(recien |recientemente )?operad[oa]s?\b",
    r"\b(tuve|tengo|me hicieron|me van a hacer|me hice|despues de|desde|recuperandome de|"
    r"recuperando\w* de|tras|por|de) (una |la |mi |su )?operacion\b",
    r"\boperacion (de|en) " + _ARTICLE_ES + r"(\w+ )?" + _BODY_ES + r"\b",
    r"\bpos-? ?t?-? ?operatori\w*|\bcesarea\b|\bartroscop\w*",
    r"\b(protesis|reemplazo) (de|en) (la |el )?(rodilla|cadera|hombro|valvula)\b",
    r"\bfusion (de (la )?columna|lumbar|cervical|vertebral|espinal)\b|\breconstruccion\b",
    r"\bme (quitaron|sacaron|extirparon|reemplazaron|repararon|reconstruyeron) "
    + _ARTICLE_ES + r"(\w+ )?" + _ORGAN_ES + r"\b",
    r"\bme (pusieron|colocaron) (una |un |unos |unas |\d+ |dos |tres )?"
    r"(placas?|tornillos?|clavos?|varillas?|protesis)\b",
    r"\bfractur\w*|\bfisura (en|de) " + _ARTICLE_ES + _BODY_ES + r"\b",
    # "me rompí la muñeca", "se me quebró el tobillo" (not "me rompo la espalda trabajando",
    # "me rompí la cabeza pensando")
    r"\b(me|se me|le|se le|te) (rompi|rompio|quebre|quebro|parti|partio|fisure|fisuro|"
    r"disloque|disloco) " + _ARTICLE_ES + r"(\w+ )?" + _BODY_ES + r"\b",
    r"\b" + _BODY_ES + r" (rot[oa]s?|quebrad[oa]s?|fracturad[oa]s?|fisurad[oa]s?)\b",
    r"\b(traigo|tengo|llevo|me pusieron|me quitaron|me acaban de quitar) (un |el |una |la )"
    r"(yeso|escayola|bota ortopedica|ferula|cabestrillo)\b|\benyesad[oa]\b",
)
_BLOOD_CLOT_ES = _rx(
    r"\bcoagulos?\b|\b(trastorno|problema|desorden)s? de (la )?coagulacion\b",
    r"\btrombo(s|sis)?\b|\btromboflebitis\b|\btromboembol\w*",
    # a bare "embolia" is what many people call a stroke: only the lung or a limb counts
    r"\bembolias? (pulmonar(es)?|en (el|los|la|las|mi|mis) (pulmon|pulmones|pierna|piernas))\b",
    r"\bfactor v de leiden\b|\bflebitis\b",
)
_CANCER_TREATMENT_ES = _rx(
    r"\bcancer\b(?! de signo)|\bquimio\w*|\bradioterapia\b|\binmunoterapia\b",
    r"\b(tratamiento|terapia|sesion)e?s? de (radiacion|radiaciones|radio|rayos)\b",
    r"\b(me estan dando|recibo|estoy recibiendo|termine) (las )?(radiaciones|rayos)\b",
    r"\boncolog\w*|\btumor(es)?\b|\blinfoma\b|\bleucemia\b|\bmelanoma\b|\bmetastasis\b",
    r"\bmastectomia\b|\btamoxifeno\b",
)
_FEVER_OR_INFECTION_ES = _rx(
    r"\bfiebre\w*|\bfebril\b|\bcalentura\b|\btemperatura (alta|elevada)\b|"
    r"\b(tengo|tiene|con|ando con|tenia) temperatura\b",
    r"\binfecci(on|ones)\b|\binfectad[oa]s?\b|\bse me infecto\b",
    # "la vacuna de la gripe" is not the flu
    r"(?<!vacuna de la )(?<!vacuna contra la )(?<!vacuna para la )"
    r"\b(gripe|gripa|influenza|resfriad[oa]|resfrio|catarro|covid\w*|coronavirus|"
    r"neumonia|bronquitis)\b",
    r"\b(tengo|traigo|ando con|me dio|me pego|agarre|pesque) (un |el )?virus\b",
)
_SKIN_CONDITION_ES = _rx(
    r"\bsarpullido\w*|\bsalpullido\w*|\bronchas?\b|\berupci(on|ones)\b|\burticaria\b",
    r"\beczema\b|\beccema\b|\bpsoriasis\b|\bdermatitis\b|\bculebrilla\b|\bherpes\b|"
    r"\bzoster\b|\bimpetigo\b|\bsarna\b|\bforunculos?\b|\bfuronculos?\b|\babscesos?\b",
    r"\bquemadura\w* (de|del|por el|por) sol\b|\bquemad[oa]s? (por|del|de) (el )?sol\b|"
    r"\bme (queme|quemo) (con|en) el sol\b|\binsolad[oa]\b",
    r"\bheridas?\b|\bampollas?\b|\bllagas?\b|\bpuntos de sutura\b|"
    r"\bme (pusieron|cosieron|dieron) (\d+ |unos |varios |dos |tres |cuatro |cinco )?puntos\b",
    r"\b(problema|infeccion|condicion|enfermedad|irritacion|lesion|alergia|hongo)e?s? "
    r"(en|de) (la |mi )?piel\b|\bpiel (irritada|lastimada|infectada|abierta|en carne viva)\b",
    r"\b(me salio|tengo) un fuego\b|\bpie de atleta\b",
    r"\bhongos? en (la |los |las |el |mi |mis )?(piel|pies?|cuerpo|espalda|ingle)\b",
    r"\b(cortada|cortadura|corte|llaga)s? abiert[ao]s?\b",
)

# English words in Spanish: "lesión" is any injury, "cancerígeno" is a property of a
# product. An English rule that finds them in a Spanish message is ignored.
_FALSE_FRIENDS_ES = re.compile(r"lesion\b|cancerigen\w*")
# Phrases with "no" that do not deny the condition after them ("¿no hay problema si estoy
# embarazada?"): blanked out before the Spanish negation check.
_NOT_NEGATING_ES = re.compile(
    r"\bno (hay|habra|habria) (ningun |algun )?(problema|riesgo|peligro|inconveniente)\b"
    r"|\bno (pasa|hay) nada\b|\bno (es|sera|seria) (peligroso|malo|riesgoso|un problema)\b"
    r"|\bno (importa|afecta)\b|\bno se (si|que|cual)\b|\bno (estoy|estaba) segur[oa]\b"
)
# Words only Spanish uses (after ``normalise``): one of them makes the message Spanish for
# the English rules too ("tuve cancer hace 10 anos" is judged with "hace ... años").
_SPANISH_HINT = re.compile(
    r"\b(tengo|tuve|tiene|tenia|estoy|estaba|estuve|esta|tomo|tome|toma|hace|anos|ano|"
    r"nunca|jamas|soy|fui|mis|una|unos|unas|del|los|las|que|con|por|para|pero|cuando|nino|"
    r"nina|desde|ya no|mi|el|la|en|de|y|se|sin|ni|hoy|ahora|ahorita)\b"
)

_CATEGORIES: Tuple[_Category, ...] = (
    _Category(PREGNANCY, _rx(
        r"\bpregnan\w*",
        r"\b(first|second|third|1st|2nd|3rd) trimester\b|\bdue date\b|\bbaby is due\b",
        r"\b(\d+|one|two|three|four|five|six|seven|eight|nine) (weeks?|months?) along\b",
        # "we're expecting (a baby)", not "I'm expecting a call"
        r"\b(i'm|i am|we're|we are|she's|she is|wife is|partner is|girlfriend is|"
        r"daughter is) expecting"
        r"(?=\s*($|[,.!?]|and\b|so\b|but\b|(a |an |our |my |the |her |their )?"
        r"(first |second |third |new )?(baby|babies|child|kid|twins|little one)))",
    ), past_matters=False, spanish=_PREGNANCY_ES),
    _Category(BLOOD_THINNERS, _rx(
        r"\bblood[- ]?thinn\w*|\banti-?coagula\w*",
        r"\bwarfarin\b|\bcoumadin\b|\beliquis\b|\bapixaban\b|\bxarelto\b|\brivaroxaban\b",
        r"\bheparin\b|\blovenox\b|\benoxaparin\b|\bpradaxa\b|\bdabigatran\b",
        r"\bplavix\b|\bclopidogrel\b|\bsavaysa\b|\bedoxaban\b|\bbrilinta\b",
        r"\b(daily|baby|low-? ?dose) aspirin\b|\baspirin (therapy|every day|daily)\b",
    ), past_matters=True, spanish=_BLOOD_THINNERS_ES),
    _Category(SURGERY_OR_FRACTURE, _rx(
        r"\b(had|have|having|got|getting|after|since|recover\w*|recent|my|his|her|from|"
        r"scheduled for|booked for|post) (\w+ ){0,3}?surger(y|ies)\b",
        r"\bsurger(y|ies) (on|for|last|this|\d)",
        r"\boperations?\b(?= (on|to|for|last|this|a|\d))|\boperated on\b",
        r"\bpost-? ?op\w*|\bc-? ?section\b|\bcaesarean\b|\bcesarean\b|\barthroscop\w*",
        r"\b(knee|hip|shoulder|joint|valve|disc|disk) replacement\b",
        r"\b(spinal|spine|back) fusion\b",
        r"\b(had|got|having|have) (my |a |an )?(\w+ ){0,2}"
        r"(removed|replaced|repaired|reconstructed)\b",
        r"\breconstruction\b",
        r"\b(broke|broken|fractured?|fractures|cracked|shattered) "
        r"(my |a |his |her |the |two |some )?(\w+ )?" + _BODY + r"s?\b",
        r"\bfractures?\b|\bbroken bones?\b",
        # "my wrist is broken", "my ankle might be fractured"; not "isn't / is not broken"
        r"\b" + _BODY + r"s? (is|are|was|were|got|might be|may be|could be|must be|seems|"
        r"looks)( (?!not\b|never\b)\w+)? (broken|fractured|cracked|shattered)\b",
        r"\bin a (cast|boot|sling)\b|\bcast (just )?came off\b",
    ), past_matters=False, spanish=_SURGERY_OR_FRACTURE_ES),
    _Category(BLOOD_CLOT, _rx(
        r"\b(blood )?clots?\b(?! of)|\bclotting (disorder|problem)s?\b",
        r"\bdvt\b|\bthrombo\w*|\bembolism\b|\bfactor v leiden\b",
    ), past_matters=True, spanish=_BLOOD_CLOT_ES),
    _Category(CANCER_TREATMENT, _rx(
        r"\bcancer\w*|\bchemo\w*|\bradiation (therapy|treatment)s?\b|\bradiotherapy\b",
        r"\boncolog\w*|\btumou?rs?\b|\blymphoma\b|\bleuk(a)?emia\b|\bmelanoma\b",
        r"\bmetasta\w*|\bmastectomy\b|\bimmunotherapy\b",
    ), past_matters=False, spanish=_CANCER_TREATMENT_ES),
    _Category(FEVER_OR_INFECTION, _rx(
        r"\bfever\w*|\bhigh temperature\b|\brunning a temp\w*|\binfect(ion|ions|ed)\b",
        r"\b(the|a|have|got|with) flu\b|\binfluenza\b|\bcovid\w*|\bcoronavirus\b",
        r"\b(have|got|caught|with|fighting) (a|the) (bad |nasty |head |chest |stomach )?"
        r"(cold|virus|bug)\b",
        r"\bcaught (a )?cold\b",
    ), past_matters=False, spanish=_FEVER_OR_INFECTION_ES),
    _Category(SKIN_CONDITION, _rx(
        r"\brash\w*|\beczema\b|\bpsoriasis\b|\bdermatitis\b|\bhives\b|\bshingles\b",
        r"\bsunburn\w*|\bopen (wound|sore|cut)s?\b|\bwounds?\b|\bblister\w*",
        r"\bcellulitis\b|\bringworm\b|\bcold sores?\b|\bscabies\b|\bimpetigo\b",
        r"\bskin (condition|infection|problem|issue|irritation|lesion|disease)s?\b",
        r"\blesions?\b|\bboils?\b(?= on)|\bburns? on\b|\bstitches\b",
    ), past_matters=False, spanish=_SKIN_CONDITION_ES),
)


def _mentioned(category: _Category, text: str) -> bool:
    spanish_message = bool(looks_spanish(text) or _SPANISH_HINT.search(text))
    if not spanish_message:
        # English exactly as before Spanish was added
        if _found(category.pattern.finditer(text), category, text, ENGLISH):
            return True
    else:
        hits = [h for h in category.pattern.finditer(text)
                if not _FALSE_FRIENDS_ES.match(h.group())]
        if _found(iter(hits), category, text, SPANISH):
            return True
    if category.spanish is None:
        return False
    return _found(category.spanish.finditer(text), category, text, SPANISH)


def _found(hits: Iterator[Match[str]], category: _Category, text: str, language: str) -> bool:
    """True when one of ``hits`` is neither denied nor (where that matters) long past."""
    if language == ENGLISH:
        judged, long_ago = text, LONG_AGO
    else:
        # blank out "no hay problema", keeping every offset
        judged = _NOT_NEGATING_ES.sub(lambda m: " " * len(m.group()), text)
        long_ago = LONG_AGO_ES
    present = mentions_present(text, language)
    for hit in hits:
        if is_negated(judged, hit.start(), language):
            continue
        if (not category.past_matters and not present
                and clause_is_remote_past(text, hit.start(), long_ago, language)):
            continue
        return True
    return False


def detect_contraindications(text: Optional[str]) -> Tuple[str, ...]:
    """Returns the categories ``text`` mentions, in ``CATEGORIES`` order (empty if none)."""
    if not text or not text.strip():
        return ()
    normalised = normalise(text)
    return tuple(c.name for c in _CATEGORIES if _mentioned(c, normalised))


def format_note(categories: Iterable[str]) -> Optional[str]:
    """Joins known category names into the clinic's note (``None`` when there are none)."""
    wanted = set(categories)
    ordered = [name for name in CATEGORIES if name in wanted]
    return NOTE_SEPARATOR.join(ordered) if ordered else None


def parse_note(note: Optional[str]) -> Tuple[str, ...]:
    """Reads a note back into its categories, ignoring anything that is not a category."""
    if not note:
        return ()
    parts = {part.strip() for part in note.split(";")}
    return tuple(name for name in CATEGORIES if name in parts)


def merge_notes(existing: Optional[str], categories: Iterable[str]) -> Optional[str]:
    """Adds ``categories`` to an existing note, keeping one entry per category."""
    return format_note((*parse_note(existing), *categories))


def describe(categories: Iterable[str]) -> str:
    """Human wording of a list of categories: "pregnancy and blood thinners"."""
    names = [name for name in CATEGORIES if name in set(categories)]
    if not names:
        return "your health condition"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
