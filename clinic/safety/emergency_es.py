"""The emergency signs in Spanish (pure: no Rasa imports).

The same red flags as the English rules in clinic/safety/emergency.py, the same groups
(``sign``) and the same discipline against false alarms, written for LA Spanish as
visitors type it: without accents ("rigido", "ano" for "año": the text is normalised
first), Mexican and Central American words ("carro", "troca", "quijada", "calentura",
"ahorita", "madrazo") and Spanglish ("me duele el chest", "no puedo breathe").

Every pattern needs a Spanish word to match, so an English message never reaches a
Spanish rule (tests/unit/test_safety_emergency.py checks this on every English phrasing).
What a Spanish hit ignores, as in English: a negation in its clause ("no tengo fiebre"),
a conditional or general question ("si me duele el pecho...", "síntomas de un derrame"),
the remote or months-long past ("hace dos años", "desde hace meses") unless the message
says "now" ("ahorita", "de repente"). The cues are in clinic/safety/text.py.
"""

from __future__ import annotations

from typing import Tuple

from clinic.safety.rule import CRISIS, MEDICAL, Rule, rx
from clinic.safety.text import SPANISH

_SUDDEN = (
    r"(?:de repente|de pronto|de la nada|de golpe|repentin\w*|subitamente|"
    r"de un momento a otro|sin aviso)"
)
_CHEST = r"(?:pecho|esternon|torax|chest)"
_NUMB = (
    r"(?:adormec\w*|entumi\w*|entumec\w*|dormid[oa]s?|insensib\w*|sin sensacion|"
    r"se (?:me |le )?(?:durmio|durmieron|duerme|duermen))"
)
_WEAK = (
    r"(?:debil\w*|debilidad|sin fuerza|paraliz\w*|muert[oa]s?|pesad[oa]s?|"
    r"no (?:lo |la |los |las )?(?:puedo|puede|podia) mover|no (?:lo |la |los |las )?sient[oe])"
)
_FACE = r"(?:cara|rostro|boca|sonrisa|labios?|parpados?|cachetes?|mejillas?)"
_HEADACHE = r"(?:dolor(?:es)? de cabeza|dolor en la cabeza|migranas?|jaquecas?|cefalea|headache)"
_FEVER = (
    r"\b(?:fiebre|calentura|temperatura (?:alta|de)|\d+(?:\.\d)? (?:de fiebre|grados)|"
    r"ardiendo en fiebre)\b"
)
_GROIN = (
    r"(?:entrepierna|ingles?|genitales|partes (?:intimas|privadas|nobles)|nalgas?|trasero|"
    r"pomp(?:is|as|i)|sentaderas|perineo|colita|muslos internos|zona (?:genital|intima)|"
    r"parte interna de (?:los|mis|sus) muslos|vagina|pene|entre las piernas|groin|crotch)"
)
_HAIR = (
    r"(?! (?:el|la|los|las|un|una) (?:pelo|cabello|fleco|flequillo|unas|copete|barba|bigote|"
    r"puntas|patillas|melena|dedo|mano|pie|pan|papel|tela|carne|cebolla)\b)"
)
# "voy a lastimarme si sigo corriendo así": an accident, not self-harm
_ACCIDENT = r"(?! (?:si|con|en el|en la|haciendo|corriendo|entrenando|cargando)\b)"
_FIGURATIVE_KILL = (
    r"(?! (?:trabajando|estudiando|entrenando|corriendo|haciendo|en el (?:gym|gimnasio|trabajo)"
    r"|de (?:risa|hambre|cansancio)))"
)
# "me quiero morir de la vergüenza", "prefiero morir que hacer otra sentadilla"
_FIGURATIVE_DEATH = (
    r"(?! de (?:la |el )?(?:pena|verguenza|risa|hambre|sueno|calor|frio|envidia|ganas|amor|"
    r"nervios|emocion|cansancio|flojera|aburrimiento|gusto|antojo|celos|coraje|susto)\b)"
    r"(?! (?:que|antes que|antes de|a) (?:hacer|ir|pagar|esperar|cancelar|manejar|trabajar|"
    r"correr|comer|volver|ver|perder|tener|dejar|levantarme)\b)"
)

# Exercise, muscles and posture: a sore chest after the gym is not a heart attack.
_EXERCISE = rx(
    r"\b(gym|gimnasio|gim|ejercicios?|entren\w*|pesas|lagartijas|flexiones|abdominales|"
    r"press|banca|pectoral\w*|pecs?|workout|crossfit|cargando|cargar|levantando|"
    r"me jale|jale un|desgarr\w*|musculos?|muscular\w*|puntos? gatillo|trigger points?|"
    r"encorvad[oa]|jorobad[oa]|postura)\b",
    r"\b(despues|luego) (de|del) (la |el |mi )?(masaje|sesion|terapia|tratamiento)\b",
    # a cough or a cold: "me duele el pecho cuando toso por la gripa"
    r"\b(cuando|al|de tanto) (toso|toser|tosiendo)\b|\bpor la tos\b"
    r"|\b(gripa|gripe|resfriado|catarro|bronquitis)\b",
)
# "¿El masaje ayuda con...?", "¿sirve la terapia para...?": questions about our therapies.
THERAPY_QUESTION_ES = rx(
    r"\b(terapias?|masajes?|nmt|fmm|neuromuscular|tratamientos?|sesion(es)?|ustedes|uds|"
    r"terapeutas?|clinica)\b[^.?!]{0,50}\b(ayuda\w*|sirve\w*|funciona\w*|buen[oa]s?|"
    r"alivia\w*|quita\w*|trata\w*|segur[oa]s?|recomienda\w*|mejora\w*|cura\w*|atiende\w*|"
    r"puede\w*)\b",
    r"\b(ayuda\w*|sirve\w*|funciona\w*|recomienda\w*|alivia\w*|puede\w*|podria\w*|"
    r"atiende\w*|tratan|trabajan)\b[^.?!]{0,50}\b(terapias?|masajes?|nmt|fmm|neuromuscular|"
    r"tratamientos?|sesion(es)?|ustedes|uds)\b",
    r"\b(masajes?|terapias?|nmt|fmm|tratamientos?) (para|con|contra)\b",
)
# What makes chest discomfort a heart-attack warning sign even after a workout.
_CARDIAC_COMPANION = rx(
    r"\b(brazos?|mandibula|quijada|cuello|espalda|hombros?|arm|jaw)\b[^.?!]{0,25}"
    r"\b(duele\w*|dolor|adormec\w*|dormid[oa]s?|entumi\w*|entumec\w*|hormigue\w*|"
    r"pesad[oa]s?|debil\w*|calambre\w*|numb)",
    r"\b(duele\w*|dolor|adormec\w*|entumi\w*|hormigue\w*|calambre\w*|"
    r"se (me |le )?(duerme|durmio))\b[^.?!]{0,25}\b(brazos?|mandibula|quijada|arm|jaw)\b",
    r"\b(va|iba|fue|corre|corria|corrio|extiende|extendia|extendio|pasa|pasaba|paso|baja|"
    r"bajaba|bajo|sube|subia|subio|irradia\w*|recorre|llega|llegaba|jala)\b[^.?!]{0,20}"
    r"\b(brazos?|mandibula|quijada|cuello|espalda|hombros?|arm|jaw)\b",
    r"\b(me|le) falta (el )?aire\b|\bfalta de aire\b|\bsin aire\b|\bahog\w*"
    r"|\bno (puedo|puede) respirar\b|\bcuesta (trabajo )?respirar\b",
    r"\b(sudo|suda|sudando|sude|sudor\w*|sudad[oa]s?|empapad[oa]s?|sudoros[oa]s?)\b"
    r"|\bnause\w*|\bnausea|\bganas de vomitar|\bvomit\w*|\bguacare\w*"
    r"|\bmare(o|os|ad[oa]s?|ando)\b|\bdesmay\w*",
    r"\b(ahorita|ahora mismo|en este momento|no se (me |le )?quita|no (se )?(me |le )?para)\b",
    r"\b(aplast\w*|estruj\w*|elefante|infarto|ataque (al|de) corazon|ataque cardiaco)\b",
)
_RECENT = rx(
    r"\b(ahora|ahorita|acab(o|a) de|hoy|ayer|anoche|esta (manana|tarde|noche)|"
    r"hace (un )?(rato|ratito|poco|momento)|"
    r"hace (\d+|un|una|unos|unas|pocos|pocas|media|un par de|dos|tres) (minutos?|horas?|dias?)|"
    r"desde (que|el|la|ayer|hoy|anoche|esta))\b",
)
_BACK = rx(
    r"\b(espalda|columna|lumbar|lumbago|cintura|ciatic[oa]|disco|hernia|vertebra\w*|"
    r"back|spine|sciatica)\b",
)
_BACK_OR_BLADDER = rx(
    _BACK.pattern,
    r"\b(orina\w*|vejiga|pipi|pis|intestinos?|esfinter\w*|popo)\b",
)
_WHILE_SITTING = rx(
    r"\bcuando (me siento|estoy sentad[oa]|paso (mucho tiempo |todo el dia )?sentad[oa]|"
    r"manejo|cruzo las piernas)\b",
    r"\b(de|por|despues de) (estar|pasar) (mucho tiempo |tanto tiempo |todo el dia |horas )?"
    r"sentad[oa]\b",
    r"\bsentad[oa] (mucho|demasiado|tanto|mucho tiempo|todo el dia|por horas)\b",
    r"\bpiernas cruzadas\b|\b(andar|ando|anda|montar|monto|monta) (en |a )?"
    r"(bici\w*|caballo)\b|\bciclis\w*|\bspinning\b",
)
# Habits, not events: "se me duerme la pierna cuando manejo".
_HABITUAL = rx(
    r"\bcuando (duermo|me acuesto|manejo|escribo|me siento|estoy sentad[oa]|cruzo)\b",
    r"\b(en|por) las noches\b|\bsiempre que\b|\ba veces\b",
)

_RULES: Tuple[Rule, ...] = (
    # ------------------------------------------------------------------ crisis (988)
    Rule(CRISIS, "crisis", "suicidal intent (es)", rx(
        r"(?<!mision )(?<!misiones )\b(suicid|suisid|sucid)(a|as|ar|arme|arse|arte|io|ios|"
        r"aria|are|ando)\b(?! (sentadilla|carrera|corrida|sprint|squat)s?\b)",
        # "me voy a matar", "se quiere matar"; not "me va a matar" (someone else will)
        r"\b(me (quiero|queria|quisiera|voy|iba|pienso|pensaba|estoy pensando)|"
        r"se (quiere|queria|quisiera|va|iba|piensa|pensaba|esta pensando)) (en |a )?matar\b"
        + _FIGURATIVE_KILL,
        r"(?<!va a )(?<!van a )(?<!quiere )(?<!quieren )\b(matarme|matarse|quitarme la vida|"
        r"quitarse la vida)\b" + _FIGURATIVE_KILL,
        r"\b(acabar|terminar|ponerle fin|poner fin) (con |a )?(mi vida|su vida|mi existencia)\b",
        r"\b(me|se) (quiero|quiere|quisiera|voy a|va a|pienso|piensa) quitar la vida\b",
        r"\b(acabar|terminar) con todo\b"
        r"(?! (este|esta|ese|esa|el|la|lo|los|las|mi|mis|eso|esto)\b)",
        r"\b(quiero|quiere|quisiera|deseo|desea|ganas de|prefiero|prefiere) morir(me|se)?\b"
        + _FIGURATIVE_DEATH,
        r"\b(me|se) (quiero|quiere|quisiera) morir\b" + _FIGURATIVE_DEATH,
        r"\b(ojala|quisiera|quiero|deseo) (estar|estuviera) muert[oa]\b"
        r"|\bojala (me muriera|me muera|no despierte|no despertar|no hubiera nacido|"
        r"nunca hubiera nacido)\b|\b(prefiero|mejor) (estar|estaria) muert[oa]\b",
        r"\b(no|ya no) quiero (vivir|seguir viviendo|seguir aqui|seguir aca|estar aqui|"
        r"estar aca|estar en este mundo|existir|despertar|seguir con vida|seguir adelante|"
        r"estar viv[oa])\b",
        r"\bquiero desaparecer (para siempre|de este mundo|y no despertar)\b"
        r"|\bno despertar (nunca|jamas|mas)\b",
        r"\bmejor (me muero|me mato|morirme|matarme)\b" + _FIGURATIVE_DEATH,
        r"\b(dormir(me)?|acostarme) y (ya )?no (volver a )?despertar\b"
        r"|\bno volver a despertar\b|\bnunca despertar\b",
        r"\b(no|ya no) (tengo|tiene|le encuentro|le veo|le hallo) (\w+ )?(razon(es)?|motivos?|"
        r"ganas|sentido|por que|para que|nada por que|nada para) (para |de |a |que )?"
        r"(vivir|seguir|la vida|seguir viviendo)\b",
        r"\b(la vida|mi vida|vivir) (ya )?no (vale|tiene) (la pena|sentido|caso)\b"
        r"|\bno (vale la pena|tiene (caso|sentido)) (vivir|seguir)\b|\bsin ganas de vivir\b",
        r"\b(todos|todo el mundo|mi familia|mis hijos|la gente) (estarian|estaria|van a estar|"
        r"estaran) mejor sin mi\b|\bmejor sin mi\b",
        r"\bnadie me (extranaria|va a extranar|echaria de menos|va a echar de menos|notaria)\b",
        r"\bya no (puedo|aguanto) (mas|seguir)( (con|asi) (mi |la )?vida| viviendo| asi)?"
        r"(?=\s*([.!?,]|$|y (quiero|me quiero|pienso|ya)\b))",
        r"\bno (puedo|aguanto) seguir viviendo\b|\b(cansad[oa]|hart[oa]) de vivir\b",
        r"\b(ahorcarme|ahorcarse|envenenarme|envenenarse|dispararme|dispararse|"
        r"(pegarme|darme|pegarse|darse) un tiro|cortarme las venas|cortarse las venas)\b",
        r"\b(tirarme|aventarme|lanzarme|tirarse|aventarse|lanzarse|me voy a (tirar|aventar)|"
        r"me quiero (tirar|aventar)) (de|del|desde|al|a la|a las vias del|enfrente del|"
        r"frente al|delante del) (un |una |el |la )?(puente|edificio|techo|azotea|tren|metro|"
        r"freeway|autopista|carro|balcon|vias)\b",
        r"\b(tengo|tiene|junte|guarde|guardo|he juntado|estoy juntando) (\w+ ){0,2}"
        r"(pastillas|pildoras|medicinas|una pistola|un arma|una soga|una cuerda)\b[^.?!]{0,40}"
        r"\b(acabar|terminar|matarme|morir|quitarme)\b",
        r"\bjuntando pastillas\b",
    ), language=SPANISH),
    Rule(CRISIS, "crisis", "self-harm (es)", rx(
        r"\b(quiero|quiere|quisiera|ganas de|me dan ganas de|pienso|pensando en|pienso en|"
        r"pensamientos de|voy a|tentad[oa] a|tentacion de) (hacerme dano|hacerse dano|"
        r"lastimarme|lastimarse|herirme|herirse|cortarme|cortarse|quemarme|quemarse|"
        r"golpearme|golpearse)\b" + _HAIR + _ACCIDENT,
        r"\bme (quiero|voy a|quisiera) (hacer dano|lastimar|cortar|herir|quemar)\b"
        + _HAIR + _ACCIDENT,
        r"\b(me|se) (he estado|ha estado|estoy|esta|sigo|sigue|volvi a|volvio a) (cortando|"
        r"lastimando|hiriendo|haciendo dano|cortar|lastimar|hacer dano)\b" + _HAIR,
        r"\b(cortandome|lastimandome|hiriendome|cortandose|lastimandose)\b" + _HAIR,
        r"\bautolesi\w*|\bauto-? ?lesion\w*",
        r"\bme (corto|lastimo|hago dano) (a proposito|los brazos|las munecas|las piernas|"
        r"la piel)\b|\bme (hice|hago) dano a (proposito|mi mism[oa])\b",
    ), language=SPANISH),
    Rule(CRISIS, "crisis", "overdose (es)", rx(
        r"\bsobredosis\b",
        r"\b(tomarme|tomarse|tragarme|tragarse|me tome|me trague|se tomo|se trago|"
        r"me voy a tomar|me voy a tragar) (todas (las|mis|sus) (pastillas|pildoras|medicinas)|"
        r"todo el (frasco|bote)|un (frasco|bote) (entero|completo|de pastillas)|"
        r"(un monton|muchas|demasiadas|un punado|varias cajas|una caja entera) de "
        r"(pastillas|pildoras|medicinas|medicamentos))\b",
    ), language=SPANISH),
    # ------------------------------------------------------------------ chest / heart
    Rule(MEDICAL, "chest", "heart attack (es)", rx(
        r"\b(tengo|tiene|estoy teniendo|esta teniendo|es|sera|seria|podria ser|puede ser|"
        r"creo que es|creo que (me|le) (esta dando|dio|da)|(me|le) (esta dando|dio|da|va a dar))"
        r" (un |una )?(infarto|ataque (al|de) corazon|ataque cardiaco|paro cardiaco|"
        r"heart attack)\b",
    ), language=SPANISH),
    Rule(MEDICAL, "chest", "chest pain or pressure (es)", rx(
        r"\b(dolor(es)?|presion|opresion|ardor|pesadez|peso|molestia|apreton|punzadas?|"
        r"piquetes?|quemazon|pain|pressure)\b( (muy |bien |super )?(fuerte|intens[oa]|horrible|"
        r"terrible|rar[oa]|agud[oa]|fe[oa]))? (en|del|de|sobre|dentro del|adentro del|"
        r"detras del|a mitad del|en medio del) (el |mi |su )?" + _CHEST + r"\b",
        r"\b(me|le|te|nos) (duele|duelen|dolia|empezo a doler|aprieta|apretaba|arde|quema|pesa|"
        r"oprime|punza|molesta)( (mucho|muchisimo|bien feo|horrible|fuerte|demasiado))? "
        r"(el |mi |su )?" + _CHEST + r"\b",
        r"\b(doler|dolerme|dolerle|doliendo)\b (\w+ ){0,2}(el |mi |su )?" + _CHEST + r"\b",
        r"\bpecho\b ((?!y\b)\w+ ){0,2}?(me |le )?(duele|dolia|aprieta|arde|quema|pesa|oprime|"
        r"punza|apretad[oa]|pesad[oa]|adolorid[oa])\b",
        r"\b(aprieta|aprietan|apretando|estruja|estrujan|estrujando|aplasta|aplastan|aplastando|"
        r"exprimen|exprimiendo) (el|mi|su) (corazon|pecho)\b",
        r"\bse (me |le )?(parte|esta partiendo|revienta|rompe) el pecho\b",
        # "nunca había sentido un dolor así en el pecho": never like this is not "no pain"
        r"\b(nunca|jamas) (antes )?(en mi vida )?(habia|he) (tenido|sentido) (un |una )?"
        r"(dolor|presion|opresion)\b[^.?!]{0,30}\b" + _CHEST + r"\b[^.?!]{0,20}"
        r"\b(asi|tan fuerte|como este|como esta|igual)\b",
        r"\b(nunca|jamas) (antes )?(en mi vida )?(habia|he) (tenido|sentido) (un |una )?"
        r"(dolor|presion|opresion) (asi|tan fuerte|como este|igual)\b[^.?!]{0,30}\b"
        + _CHEST + r"\b",
        r"\b(algo|alguien|un elefante|un peso) (muy )?(pesado )?(sentado|encima|parado|"
        r"aplastando\w*) (en|sobre|de) (el |mi |su )?pecho\b",
    ), strong=False, boost=_CARDIAC_COMPANION, unless=_EXERCISE, language=SPANISH),
    # ------------------------------------------------------------------ stroke (BE FAST)
    Rule(MEDICAL, "stroke", "face drooping (es)", rx(
        r"\b" + _FACE + r" (\w+ ){0,3}?(caid[oa]s?|chuec[oa]s?|torcid[oa]s?|desviad[oa]s?|"
        r"colgad[oa]s?|ladead[oa]s?|paralizad[oa]s?|no se (le |me )?mueve|"
        r"no (la |lo )?(puedo|puede) mover|se ve (rar[oa]|chuec[oa]|caid[oa]))",
        r"\bse (me |le )?(cayo|cae|esta cayendo|torcio|tuerce|ladeo|desvio|paralizo|chueque\w*) "
        r"(\w+ ){0,3}?" + _FACE + r"\b",
        r"\bparalisis facial\b",
        r"\bmedia cara\b[^.?!]{0,20}\b(caid|dormid|paraliz|no se mueve|no (la )?(puedo|puede) "
        r"mover)",
    ), unless=rx(
        r"\bcuando (estoy|ando|me pongo|me siento) (muy |bien )?(cansad[oa]|desvelad[oa]|"
        r"con sueno)\b",
        r"\bsiempre (la |lo )?(he tenido|ha sido|ha estado|tuve)\b|\bde nacimiento\b"
        r"|\bdesde que naci\b",
    ), language=SPANISH),
    Rule(MEDICAL, "stroke", "one-sided numbness or weakness (es)", rx(
        r"\b(un|el|todo el) lado (izquierdo |derecho )?(de |del )?(mi |su |la |el )?"
        r"(cuerpo|cara)\b[^.?!]{0,30}\b(" + _NUMB + "|" + _WEAK + r"|hormigue\w*)",
        r"\b(adormec\w*|entumi\w*|entumec\w*|dormid[oa]s?|debil\w*|sin fuerza|paraliz\w*|"
        r"se (me |le )?(durmio|durmieron))\b[^.?!]{0,30}\b(lado (izquierdo|derecho) (de |del )"
        r"(mi |su |la |el )?(cuerpo|cara)|de un (solo )?lado|del lado (izquierdo|derecho)|"
        r"todo el lado|la mitad del cuerpo|la mitad de (mi |su |la )?cara|medio cuerpo|"
        r"media cara)\b",
        r"\b(la )?mitad (de |del )(mi |su |el |la )?(cuerpo|cara)\b[^.?!]{0,30}\b("
        + _NUMB + "|" + _WEAK + r")",
        r"\bmedio cuerpo\b[^.?!]{0,30}\b(" + _NUMB + "|" + _WEAK + r")",
        r"\b(no (puedo|puede|podia|pude|pudo)|sin poder) (mover|sentir|usar) (el |mi |su )?"
        r"lado (izquierdo|derecho)\b",
        r"\b(brazo y (la |el |mi |su )?pierna|pierna y (el |la |mi |su )?brazo)s?\b[^.?!]{0,30}"
        r"\b(" + _NUMB + "|" + _WEAK
        + r"|dejaron de funcionar|no (me |le )?(responden|funcionan))",
    ), unless=_HABITUAL, language=SPANISH),
    Rule(MEDICAL, "stroke", "sudden weakness, numbness or vision loss (es)", rx(
        r"\b" + _SUDDEN + r"\b[^.?!]{0,50}?\b(debil\w*|debilidad|adormec\w*|entumi\w*|"
        r"entumec\w*|paraliz\w*|sin fuerza|se (me |le )?(durmio|durmieron|fue la fuerza)|"
        r"no (puedo|puede|pude|pudo|podia) (mover|levantar|alzar|sentir|usar|ver|caminar|"
        r"sostener|agarrar|pararme|pararse)|(perdi|perdio|pierdo|pierde) (la vista|la vision|"
        r"el equilibrio|el balance|la fuerza)|no (veo|ve) (nada|bien|de un ojo)|"
        r"vista (borrosa|doble|nublada|negra)|(veo|ve) (doble|borroso|negro)|cieg[oa]|"
        r"se (me |le )?(nublo|oscurecio|fue|apago) la vista|confundid[oa]|confusion|"
        r"desorientad[oa]|mare\w*[^.?!]{0,30}\b(caminar|pararme|pararse|equilibrio|balance|"
        r"me caigo|se cae))",
        r"\b(debil\w*|adormec\w*|entumi\w*|paraliz\w*|sin fuerza|no (puedo|puede) (mover|levantar|"
        r"sentir|ver))\b[^.?!]{0,40}\b" + _SUDDEN,
        r"\b(perdi|perdio|pierdo|pierde|perdiendo) (la )?(vista|vision) (de|del|en) "
        r"(un|el|mi|su) ojo\b",
        r"\b(no (veo|ve|puedo ver|puede ver|podia ver)|(deje|dejo) de ver) (nada )?"
        r"(de|del|con|por) (un |el |mi |su )?ojo\b",
        r"\b(un|el|mi|su) ojo\b[^.?!]{0,20}\b(se (me |le )?(puso|quedo) (negro|ciego|oscuro)|"
        r"no (ve|veo) nada)",
        r"\bno (entiende|entiendo|puede entender|puedo entender) (lo que|nada de lo que|cuando) "
        r"(me |le |la |lo )?(dicen|hablan|digo)\b",
    ), language=SPANISH),
    Rule(MEDICAL, "stroke", "slurred speech (es)", rx(
        r"\b(arrastra|arrastrando|arrastro|arrastraba) (las |sus |mis )?palabras\b",
        r"\b(habla|hablando|hablo|hablaba) (muy )?(raro|chistoso|chueco|enredado|trabado|"
        r"arrastrado|como borrach[oa]|mocho|sin sentido|incoherencias|cosas sin sentido)\b",
        r"\blengua (trabada|pesada|dormida|enredada)\b|\bse (le|me) traba la lengua\b",
        r"\b(palabras|habla)\b (\w+ ){0,3}?(no tienen sentido|sin sentido|enredad\w*|"
        r"revuelt\w*|trabad\w*)",
        r"\bno (le|me) salen (las )?palabras\b",
        r"\bno (puede|podia|pudo|logra) (hablar|articular|pronunciar|decir nada)"
        r"(?=\s*(bien|claro|normal|nada|y|[,.!?]|$))",
        r"\bno (puedo|pude|podia|logro) (hablar|articular|pronunciar)"
        r"(?=\s*(bien|claro|normal|y no|[.!]|$))",
        r"\b(dificultad|problemas?|trabajo) (para|al) (hablar|articular)\b",
    ), unless=rx(
        r"\bcuando (hablo|habla|estoy|esta|ando|anda|me pongo|se pone) (muy |bien )?(rapido|"
        r"nervios\w*|cansad[oa]|con sueno|borrach[oa]|tomad[oa])",
    ), language=SPANISH),
    Rule(MEDICAL, "stroke", "stroke (es)", rx(
        r"\b(tengo|tiene|estoy teniendo|esta teniendo|es|sera|seria|podria ser|puede ser|"
        r"creo que es|creo que (me|le) (esta dando|dio|da)|(me|le) (esta dando|dio|da|va a dar))"
        r" (un |una )?(derrame( cerebral)?|embolia( cerebral)?|ataque cerebral|"
        r"accidente cerebro ?vascular|acv|ictus|infarto cerebral|mini ?(derrame|embolia)|"
        r"stroke)\b(?! (en el ojo|ocular|en la rodilla|pleural|de liquido|sinovial))",
    ), language=SPANISH),
    # ------------------------------------------------------------------ headache
    Rule(MEDICAL, "headache", "worst-ever headache (es)", rx(
        r"\b(el |la )?peor " + _HEADACHE + r"\b[^.?!]{0,30}\b(vida|nunca|jamas|he tenido|"
        r"haya tenido|he sentido|que he|ever)\b",
        r"\b" + _HEADACHE + r"\b[^.?!]{0,25}\b(el peor|la peor|mas fuerte|mas horrible)\b"
        r"[^.?!]{0,25}\b(vida|nunca|jamas|he tenido)\b",
        r"\b(" + _HEADACHE + r"|duele la cabeza|dolia la cabeza)\b[^.?!]{0,20}"
        r"\bcomo (nunca|jamas)\b",
        r"\b(nunca|jamas) (antes )?(en mi vida )?(habia|he) (tenido|sentido) (un |una )?"
        + _HEADACHE + r"[^.?!]{0,20}\b(asi|tan fuerte|como este|igual)\b",
        r"\b(cefalea|dolor de cabeza) (en )?trueno\b",
        r"\bcomo (un|una) (trueno|rayo|balazo|explosion|bomba) (en|dentro de|adentro de) "
        r"(la|mi|su) cabeza\b",
    ), language=SPANISH),
    Rule(MEDICAL, "headache", "sudden severe headache (es)", rx(
        r"\b(" + _SUDDEN + r"|me (vino|llego) de golpe|exploto|explosiv[oa]|en segundos|"
        r"como (un|una) (trueno|rayo|balazo|golpe|martillazo|explosion|bomba))\b[^.?!]{0,40}"
        r"(" + _HEADACHE + r"|(duele|dolio|dolia|empezo a doler) (\w+ ){0,2}la cabeza)",
        r"(" + _HEADACHE + r"|(duele|dolio|dolia) (\w+ ){0,2}la cabeza)[^.?!]{0,40}\b("
        + _SUDDEN + r"|en segundos|me (vino|llego) de golpe|exploto|explosiv[oa])\b",
    ), also=(rx(
        r"\b(fuerte|fuertisim[oa]|intens[oa]|horrible|terrible|insoportable|espantos[oa]|"
        r"brutal|tremend[oa]|explosiv[oa]|peor|agud[oa]|muchisimo|en segundos|"
        r"de los mil demonios|bien (feo|fuerte|gacho)|severe|worst)\b",
        r"\bcomo (un|una|si) (trueno|rayo|balazo|golpe|martillazo|explosion|bomba|"
        r"me (pegaran|golpearan|dieran))\b|\b(va|iba) a (explotar|reventar)\b|\bexplot\w*",
    ),), language=SPANISH),
    Rule(MEDICAL, "headache", "fever with stiff neck (es)", rx(_FEVER), also=(rx(
        r"\bcuello (\w+ ){0,3}?(rigid[oa]|ties[oa]|duro)\b",
        r"\b(rigidez|tiesura) (de|del|en el) cuello\b|\btorticolis\b|\bstiff neck\b",
        r"\bno (puedo|puede|podia) (doblar|mover|bajar|agachar|flexionar|voltear) "
        r"(el |mi |su |la )?(cuello|cabeza)\b",
        r"\bno (puedo|puede) (tocar|llevar|pegar) (el |la |mi |su )?(barbilla|menton|barba) "
        r"(al|hacia el|con el|en el) pecho\b",
    ),), language=SPANISH),
    Rule(MEDICAL, "headache", "fever with headache and warning signs (es)", rx(_FEVER), also=(
        rx(r"\b(dolor(es)? de cabeza|duele (\w+ )?la cabeza|migrana|jaqueca|cefalea|headache)\b"),
        rx(
            r"\b(sarpullido|erupcion|ronchas|manch(as|itas) (rojas|moradas|moraditas)|"
            r"puntitos (rojos|morados)|rash|la luz (me |le )?(molesta|lastima|duele|hace dano)|"
            r"(me |le )?molesta (mucho )?la luz|sensib\w* a la luz|confundid[oa]|confusion|"
            r"desorientad[oa]|somnolient[oa]|adormilad[oa]|no (se )?despierta|vomit\w*|"
            r"guacare\w*|devolv\w*|convulsi\w*)\b",
        ),
    ), language=SPANISH),
    # ------------------------------------------------------------------ spine (cauda equina)
    Rule(MEDICAL, "cauda_equina", "loss of bladder or bowel control (es)", rx(
        r"\b(no puedo|no puede|no pude|no pudo|no podia|perdi|perdio|perdiendo|pierdo|pierde|"
        r"sin|no tengo|no tiene|ya no tengo|ya no tiene) (el )?control (de|sobre|en) "
        r"(la |mi |su |los |mis |sus |el )?(vejiga|orina|pipi|pis|popo|intestinos?|"
        r"esfinter\w*|necesidades)\b",
        r"\bno (puedo|puede|pude|pudo|podia|logro|logra) (controlar|aguantar|retener|detener) "
        r"(la |mi |su |el |los )?(orina|vejiga|pipi|pis|popo|intestinos?|esfinter\w*|ganas)\b",
        r"\bno (puedo|puede|pude|pudo|podia|logro|logra) (orinar|hacer pipi|hacer pis|mear|"
        r"vaciar la vejiga)\b",
        r"\b(me|se) (orine|orino|hice pipi|hizo pipi|hice pis|hizo pis|hice popo|hizo popo|"
        r"hice del bano|hizo del bano|mee|meo)\b[^.?!]{0,15}\b(encima|en los pantalones|"
        r"en la cama|sin (darme|darse) cuenta|sin (querer|sentir))",
        r"\bse (me |le )?(sale|salio|escapa|escapo) (sola |solo )?(la orina|el pipi|la pipi|"
        r"el pis|la popo)\b",
        r"\bincontinen\w*",
    ), also=(rx(_BACK.pattern, r"\b(piernas?|legs?)\b|" + _SUDDEN),), language=SPANISH),
    Rule(MEDICAL, "cauda_equina", "saddle numbness (es)", rx(
        r"\b(zona|area|parte) (de la |del )?(silla( de montar)?|montura)\b[^.?!]{0,30}\b("
        + _NUMB + r"|no (la )?(siento|siente)|hormigue\w*)",
        r"\b(anestesia|adormecimiento|entumecimiento|insensibilidad|hormigueo|"
        r"perdida de (la )?sensibilidad)\b[^.?!]{0,15}\b(zona|area) (de la |del )?"
        r"(silla( de montar)?|montura)\b",
    ), language=SPANISH),
    Rule(MEDICAL, "cauda_equina", "groin or leg numbness with back pain (es)", rx(
        r"\b(" + _NUMB + r"|no (siento|siente|sentia|sentimos)( nada)?)\b[^.?!]{0,25}?\b"
        + _GROIN + r"\b",
        r"\b" + _GROIN + r"\b[^.?!]{0,20}?\b(" + _NUMB + r"|no (la |las |lo |los )?"
        r"(siento|siente))",
        r"\bno (siento|siente) nada (cuando|al) (me limpio|se limpia|limpiarme|limpiarse|"
        r"voy al bano|va al bano)\b",
        r"\b(las dos piernas|ambas piernas|las piernas)\b[^.?!]{0,20}?\b(" + _NUMB + r"|debil\w*|"
        r"sin fuerza|no (las )?(siento|siente)|no (me |le )?responden|se (me |le )?doblan)",
        r"\b(" + _NUMB + r"|debil\w*|debilidad|sin fuerza)\b (en |de )?(las dos piernas|"
        r"ambas piernas|las piernas)\b",
    ), also=(_BACK_OR_BLADDER,), unless=_WHILE_SITTING, language=SPANISH),
    # ------------------------------------------------------------------ head / neck injury
    Rule(MEDICAL, "head_neck_injury", "head or neck injury with nerve signs (es)", rx(
        r"\b(me|te|se|le|nos) (pegue|pego|pegaste|golpee|golpeo|golpeaste|di|dio|lastime|"
        r"lastimo|pegaron|dieron|golpearon)\b(?! cuenta)[^.?!]{0,25}\b(cabeza|cuello|nuca|"
        r"craneo|frente)\b",
        r"\b(golpe|golpazo|madrazo|trancazo|chingadazo|putazo|fregadazo|cabezazo|pelotazo|"
        r"balonazo|porrazo|guamazo|batazo)\b[^.?!]{0,15}\b(cabeza|cuello|nuca|craneo|frente)\b",
        r"\b(traumatismo|trauma|lesion) (craneal|craneoencefalico|en la cabeza|de cabeza|"
        r"en el cuello|cervical)\b",
        r"\b(me|se|nos|te) (cai|cayo|caimos|caiste|resbale|resbalo|tropece|tropezo|"
        r"desbarranque|desbarranco)\b|\b(me|se) (eche|echo|tire|tiro) un clavado\b",
        r"\b(conmocion|concusion|latigazo)\b",
        r"\b(choque|choco|chocamos|chocaron|volcadura|volque|volco|atropell\w*|"
        r"me (chocaron|pegaron|dieron) por (detras|atras)|"
        r"accidente (de|en) (la |el |mi |un |una )?(carro|coche|auto|"
        r"automovil|troca|camioneta|camion|moto|motocicleta|bici|bicicleta|trafico|transito|"
        r"bus)|accidente (automovilistico|vial)|(carro|coche|troca|camioneta|moto|camion) "
        r"(me|le|nos) (pego|choco|atropello|avento))\b",
        r"\b(me|le|nos) (pego|choco|atropello|avento|arrollo) (un|una|el|la) (carro|coche|"
        r"troca|camioneta|moto|camion|bus)\b",
        r"\b(tacle\w*|taclearon)\b",
    ), also=(rx(
        r"\b(hormigue\w*|cosquill\w*|piquetitos|agujas|" + _NUMB + r"|debil\w*|debilidad|"
        r"sin fuerza|paraliz\w*|vomit\w*|guacare\w*|devolv\w*|confundid[oa]|confusion|"
        r"desorientad[oa]|desmay\w*|perd\w* el (conocimiento|sentido)|inconscien\w*|noquead[oa]|"
        r"no (reacciona|responde|despierta)|convuls\w*|somnolient[oa]|adormilad[oa]|"
        r"mucho sueno|no (me |se )?(puedo|puede) (mantener|quedar) despiert[oa]|"
        r"arrastra\w* las palabras|habla raro|vista (doble|borrosa)|(veo|ve) (doble|borroso)|"
        r"liquido (claro|transparente)|no (puedo|puede|pude|pudo|podia) (mover|sentir) "
        r"(el|la|los|las|mi|mis|su|sus) \w+|no (siento|siente) (el|la|los|las|mis|sus) "
        r"(brazos?|piernas?|manos?|pies?|dedos?|cuerpo)|sangr\w* (de|por) (la|el|las|los) "
        r"(oidos?|orejas?|nariz)|sale sangre (de|por) (la|el) (oido|oreja|nariz))",
    ),), strong=False, boost=_RECENT, language=SPANISH),
    Rule(MEDICAL, "head_neck_injury", "cannot feel or move limbs (es)", rx(
        r"\bno (puedo|puede|pueden|podemos|pude|pudo|podia) (sentir|mover) "
        r"(mis|sus|las|los|el|la) (piernas|brazos|cuerpo|pies y (las )?manos|"
        r"brazos y (las )?piernas|piernas y (los )?brazos|manos y (los )?pies)\b",
        r"\bno (siento|siente|sentimos|sentia) (mis|sus|las|los|el|la) (piernas|brazos|cuerpo|"
        r"brazos y (las )?piernas|piernas y (los )?brazos)\b",
        r"\bno (me|le) responden (las|mis|sus|los) (piernas|brazos)\b",
    ), unless=rx(
        r"\bde tanto (caminar|correr|bailar|estar parad[oa]|ejercicio|entrenar|trabajar)\b",
        r"\b(despues|luego) (del|de|de la) (gym|gimnasio|entren\w*|correr|caminar|ejercicio|"
        r"caminata|maraton|clase)\b|\b(del|de) cansancio\b|\bfrio\b",
    ), language=SPANISH),
    # ------------------------------------------------------------------ breathing
    Rule(MEDICAL, "breathing", "difficulty breathing (es)", rx(
        r"\b(no|casi no|apenas) (puedo|puede|pueden|podia|pude|pudo|logro|logra|consigo|consigue) "
        r"(respirar|agarrar aire|tomar aire|jalar aire|recuperar el aliento|breathe?)\b",
        r"\b(me|le|nos) (falta|faltaba|esta faltando|cuesta|costaba|esta costando) (mucho )?"
        r"(trabajo )?(el aire|respirar|aire|la respiracion)\b",
        r"\b(dificultad|problemas?|trabajo|batallando|batallo|batalla) (para|al|en|pa) respirar\b",
        r"\b(me|se|te) (estoy |esta |estan |estas )?ahog(o|a|ando)\b"
        r"(?! (en|de|con) (trabajo|deudas|estres|pendientes|calor|tareas|risa))",
        r"\bsensacion de ahogo\b|\bsin poder respirar\b"
        r"|\brespir\w* (muy |bien |super )?(dificil|con dificultad|con trabajo)\b",
    ), unless=rx(
        r"\bnariz\b|\bnasal\w*|\btapad[oa]\b|\bcongestion\w*|\bmocos?\b|\bhondo\b|\bprofund\w*",
        r"\b(cuando|al|si) (corro|correr|subo|subir|hago ejercicio|hacer ejercicio|entreno|"
        r"entrenar|nado|nadar|camino|caminar)\b|\bdespues de (correr|entrenar|ejercicio|subir|"
        r"nadar|caminar)\b",
        r"\bcuando (estoy|me pongo|ando) (nervios[oa]|ansios[oa]|estresad[oa])\b",
    ), boost=rx(
        r"\b(ahorita|ahora mismo|en este momento|de repente|de pronto|de la nada|ayudame|"
        r"ayudenme|auxilio|labios|morad[oa]s?)\b",
    ), language=SPANISH),
    Rule(MEDICAL, "breathing", "sudden or severe shortness of breath (es)", rx(
        r"\bfalta de aire\b|\bsin aliento\b|\bsofocad[oa]\b",
    ), also=(rx(
        r"\b(repentin\w*|de repente|de pronto|de la nada|fuerte|grave|severa|en reposo|"
        r"sin hacer nada|acostad[oa]|labios|morad[oa]s?|azul\w*|no (puedo|puede) hablar|"
        r"cada vez (peor|mas)|ahorita|ahora mismo|ayuda)\b",
    ),), language=SPANISH),
    Rule(MEDICAL, "breathing", "airway emergency (es)", rx(
        r"\b(labios|cara|dedos|unas|boca)\b (\w+ ){0,3}?(morad[oa]s?|azul\w*)\b",
        r"\bgarganta\b (\w+ ){0,3}?(cerrando|cierra|cerro|hinchando|hincha|hinchada|cerrada)\b",
        r"\bse (me |le )?(esta |estan )?(cerrando|cierra|cerro|hinchando|hincha|hincho|"
        r"inflamando|inflamo|hincharon) (la garganta|la lengua|los labios)\b",
        r"\b(lengua|labios)\b (\w+ ){0,2}?(hinchad[oa]s?|se (me |le )?(estan? )?hinch\w*)",
        r"\b(no|ya no) (respira|esta respirando|estan respirando)\b(?! (bien )?por la nariz)"
        r"|\bdejo de respirar\b",
        r"\b(me|se|te) (esta |estan |estoy )?atragant\w*|\batragantad[oa]\b",
    ), language=SPANISH),
    # ------------------------------------------------------------------ other
    Rule(MEDICAL, "other", "collapse or unconscious (es)", rx(
        r"\bse (desmayo|desvanecio|colapso|desplomo)\b|\bme (desmaye|desplome|colapse)\b",
        r"\b(esta|quedo|se quedo|lo encontre|la encontre|lo encontramos|la encontramos) "
        r"(inconsciente|desmayad[oa]|sin sentido)\b",
        r"\bperdio el (conocimiento|sentido)\b|\bno (despierta|reacciona)\b(?! a )",
    ), language=SPANISH),
    Rule(MEDICAL, "other", "seizure (es)", rx(
        r"\b(esta|estan|esta teniendo|tiene|le (esta dando|dio|da)) (una |un )?(convulsion|"
        r"convulsiones|ataque epileptico|crisis epileptica|crisis convulsiva|"
        r"ataque de epilepsia)\b",
        r"\b(esta )?convulsionando\b",
    ), language=SPANISH),
    Rule(MEDICAL, "other", "severe bleeding (es)", rx(
        r"\bsangr(o|a|ando|ado)\b (\w+ )?(mucho|muchisimo|demasiado|sin parar|bien feo|"
        r"un monton|a chorros|horrible)\b",
        r"\bno (para|paro|deja|dejo) de sangrar\b",
        r"\bno se (me |le )?(para|paro|detiene|quita) (la )?(sangre|hemorragia|el sangrado)\b",
        r"\bla sangre no (para|se detiene|se quita)\b",
        r"\b(tengo|tiene|esta teniendo) una hemorragia\b",
    ), unless=rx(r"\b(encias|dientes|regla|periodo|menstrua\w*)\b"), language=SPANISH),
)

#: The Spanish rules, crisis first (emergency.py puts them before the English ones).
SPANISH_RULES: Tuple[Rule, ...] = _RULES
