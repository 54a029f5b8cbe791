"""Fictional community used by the ``convene demo`` command.

Everything here is invented for demonstration: the people, their Slack ids and
handles and their answers are fictional and do not describe any real official
or government. The countries, agencies and kinds of challenges are realistic so
that a demo looks like a real community of OGP Points of Contact (POCs). The
challenges were written for this module; none is quoted from a real person.

``DEMO_MEMBERS`` holds 24 POCs spread over Asia-Pacific, Africa and the Caucasus,
Europe and the Americas. Each member's ``challenge`` is their answer to "What is
your most pressing challenge right now?", in the member's own language (matching
``locale``), and ``pain_points`` lists which of ``DEMO_PAIN_POINTS`` it
expresses. ``responds`` says how the simulated member reacts to a check-in, and
``rsvp`` how they answer the invitation to the demo's convening.

Three members (Indonesia, Kenya, Ukraine) write about data standards, which no seeded
pain point covers: enough people, using the same words, for the weekly clustering to
propose an emerging theme named only with words all three wrote.

``_check()`` runs at import, so a bad edit (duplicate id, unknown time zone,
unknown pain point...) fails loudly instead of producing a confusing demo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class DemoMember:
    user_id: str  # Slack-like id, "U" + 8 uppercase alphanumerics, unique
    name: str  # Slack handle, lowercase
    real_name: str
    tz: str  # IANA time zone, valid in zoneinfo
    locale: str  # Slack locale: "en-US", "en-GB", "es-ES", "es-LA", "fr-FR", ...
    country: str
    agency: str  # government agency where the POC sits
    challenge: str  # answer to "What is your most pressing challenge right now?"
    pain_points: tuple[str, ...]  # ids from DEMO_PAIN_POINTS; empty if it fits none
    support: int  # 1-5, how supported by peers they feel
    wants_match: bool
    consent: str  # counts_only, share_with_matches or quote_anonymously
    responds: str  # "modal", "dm", "skip" or "silent"
    rsvp: str = ""  # to the convening's invitation: "going", "not_going" or "" (no answer)


DEMO_PAIN_POINTS: tuple[str, ...] = (
    "time",
    "political_will",
    "funding",
    "staff_turnover",
    "understanding_open_gov",
    "changing_environment",
)

DEMO_RESPONSES: tuple[str, ...] = ("modal", "dm", "skip", "silent")

DEMO_COORDINATOR_CHANNEL = ("C0COORDS1", "ogp-coordinators")

DEMO_FACILITATOR = DemoMember(
    user_id="USU0PRIYA",
    name="priya.castellanos",
    real_name="Priya Castellanos",
    tz="America/New_York",
    locale="en-US",
    country="United States",
    agency="Open Government Partnership Support Unit",
    challenge=(
        "Noticing early which POCs have gone quiet after an election or a reshuffle, "
        "so we can reach out before their action plan stalls."
    ),
    pain_points=("changing_environment",),
    support=4,
    wants_match=False,
    consent="counts_only",
    responds="silent",
)

DEMO_MEMBERS: tuple[DemoMember, ...] = (
    # --- Asia-Pacific ---------------------------------------------------------
    DemoMember(
        user_id="UPH0MARIS",
        name="marisol.dizon",
        real_name="Marisol Dizon",
        tz="Asia/Manila",
        locale="en-US",
        country="Philippines",
        agency="Department of Budget and Management",
        challenge=(
            "We finally have commitments from six agencies, but our travel allocation for "
            "regional consultations was cut in half this year, so CSOs outside Metro Manila "
            "will only be consulted online. I worry the plan will look co-created by Manila alone."
        ),
        pain_points=("funding",),
        support=3,
        wants_match=True,
        consent="quote_anonymously",
        responds="modal",
        rsvp="going",
    ),
    DemoMember(
        user_id="UID0DIMAS",
        name="dimas.nugroho",
        real_name="Dimas Aryo Nugroho",
        tz="Asia/Jakarta",
        locale="en-US",
        country="Indonesia",
        agency="Ministry of National Development Planning (Bappenas)",
        challenge=(
            "Line ministries publish data on the national portal with their own codes for "
            "provinces and villages, so nobody can combine their datasets. We need shared data "
            "standards before the midterm review."
        ),
        pain_points=(),
        support=2,
        wants_match=True,
        consent="counts_only",
        responds="modal",
        rsvp="going",
    ),
    DemoMember(
        user_id="UKR0JIWON",
        name="jiwon.han",
        real_name="Han Ji-won",
        tz="Asia/Seoul",
        locale="en-US",
        country="South Korea",
        agency="Ministry of the Interior and Safety",
        challenge=(
            "The vice-ministers who championed our participatory budgeting commitment were "
            "replaced in last month's reshuffle, and the new leadership wants to review every "
            "ongoing initiative. I don't know whether to push ahead or wait for the new priorities."
        ),
        pain_points=("changing_environment",),
        support=4,
        wants_match=False,
        consent="quote_anonymously",
        responds="modal",
        rsvp="going",
    ),
    DemoMember(
        user_id="UMN0ENKHJ",
        name="enkhjin.batsaikhan",
        real_name="Enkhjin Batsaikhan",
        tz="Asia/Ulaanbaatar",
        locale="en-US",
        country="Mongolia",
        agency="Cabinet Secretariat of the Government",
        challenge=(
            "Besides being the OGP focal point I run the e-government strategy and all the donor "
            "reporting for our department. The action plan only gets the leftover hours, usually "
            "on weekends."
        ),
        pain_points=("time",),
        support=2,
        wants_match=True,
        consent="counts_only",
        responds="dm",
    ),
    DemoMember(
        user_id="UAU0LACHL",
        name="lachlan.pryor",
        real_name="Lachlan Pryor",
        tz="Australia/Sydney",
        locale="en-GB",
        country="Australia",
        agency="Department of the Prime Minister and Cabinet",
        challenge=(
            "The independent review said our last commitments were too modest, but ministers' "
            "offices won't sign off on anything that might make headlines before the budget. "
            "Getting an ambitious commitment approved feels impossible right now."
        ),
        pain_points=("political_will",),
        support=3,
        wants_match=True,
        consent="counts_only",
        responds="silent",
        rsvp="not_going",
    ),
    # --- Africa and the Caucasus ----------------------------------------------
    DemoMember(
        user_id="UKE0NJERI",
        name="njeri.karanja",
        real_name="Njeri Wambui Karanja",
        tz="Africa/Nairobi",
        locale="en-GB",
        country="Kenya",
        agency="State Department for Public Service",
        challenge=(
            "The beneficial ownership register and the company registry use different "
            "identifiers, so the IRM could not verify our milestones. Agencies need shared data "
            "standards to combine their data."
        ),
        pain_points=(),
        support=3,
        wants_match=True,
        consent="share_with_matches",
        responds="modal",
        rsvp="going",
    ),
    DemoMember(
        user_id="UNG0IFEOM",
        name="ifeoma.adeyemi",
        real_name="Ifeoma Adeyemi",
        tz="Africa/Lagos",
        locale="en-GB",
        country="Nigeria",
        agency="Federal Ministry of Justice (OGP National Secretariat)",
        challenge=(
            "Our fiscal transparency commitments got no allocation in this year's budget and the "
            "implementing ministries say they cannot move without it. The Permanent Secretary who "
            "endorsed the plan has not answered three memos, so I doubt anyone at the top still "
            "wants this."
        ),
        pain_points=("funding", "political_will"),
        support=2,
        wants_match=True,
        consent="counts_only",
        responds="modal",
        rsvp="going",
    ),
    DemoMember(
        user_id="UGH0AKOSU",
        name="akosua.darko",
        real_name="Akosua Darko",
        tz="Africa/Accra",
        locale="en-GB",
        country="Ghana",
        agency="Office of the Head of Civil Service",
        challenge=(
            "I was named POC two months ago and my predecessor moved to another ministry without "
            "a handover note. I still don't know which commitments are on track or who the civil "
            "society co-chair is."
        ),
        pain_points=("staff_turnover",),
        support=1,
        wants_match=True,
        consent="counts_only",
        responds="silent",
    ),
    DemoMember(
        user_id="UCI0ADJOU",
        name="adjoua.konan",
        real_name="Adjoua Konan",
        tz="Africa/Abidjan",
        locale="fr-FR",
        country="Côte d'Ivoire",
        agency=("Ministère de la Promotion de la Bonne Gouvernance et de la Lutte contre la Corruption"),
        challenge=(
            "Les ministères sectoriels voient le gouvernement ouvert comme une affaire de la "
            "société civile et n'envoient que des stagiaires à nos réunions. Je dois convaincre "
            "les directeurs que les engagements du plan relèvent de leur propre mandat."
        ),
        pain_points=("understanding_open_gov",),
        support=3,
        wants_match=True,
        consent="quote_anonymously",
        responds="modal",
        rsvp="going",
    ),
    DemoMember(
        user_id="UMA0OTHMA",
        name="othmane.lahlou",
        real_name="Othmane Lahlou",
        tz="Africa/Casablanca",
        locale="fr-FR",
        country="Morocco",
        agency="Ministère de la Transition numérique et de la Réforme de l'Administration",
        challenge=(
            "Les deux collègues qui suivaient le dossier OGP ont été mutés sans passation, et je "
            "reconstruis l'historique des engagements à partir de vieux courriels. En même temps "
            "je gère seul le portail de données ouvertes, et les journées n'y suffisent pas."
        ),
        pain_points=("staff_turnover", "time"),
        support=3,
        wants_match=True,
        consent="counts_only",
        responds="dm",
        rsvp="going",
    ),
    DemoMember(
        user_id="USN0MAMED",
        name="mamediarra.faye",
        real_name="Mame Diarra Faye",
        tz="Africa/Dakar",
        locale="fr-FR",
        country="Senegal",
        agency="Secrétariat général du Gouvernement",
        challenge=(
            "Le calendrier électoral a bousculé tout le processus : la consultation nationale "
            "prévue en mars a été reportée deux fois. Je dois relancer la cocréation en quelques "
            "semaines, en plus de tous mes autres dossiers."
        ),
        pain_points=("changing_environment", "time"),
        support=3,
        wants_match=False,
        consent="counts_only",
        responds="skip",
    ),
    DemoMember(
        user_id="UGE0TAMAR",
        name="tamar.gelashvili",
        real_name="Tamar Gelashvili",
        tz="Asia/Tbilisi",
        locale="en-GB",
        country="Georgia",
        agency="Administration of the Government of Georgia",
        challenge=(
            "With elections approaching and a very tense political climate, several civil society "
            "organisations have left the OGP forum. I am not sure we can co-create the next plan "
            "on schedule."
        ),
        pain_points=("changing_environment",),
        support=2,
        wants_match=False,
        consent="counts_only",
        responds="silent",
        rsvp="going",
    ),
    DemoMember(
        user_id="UAM0LUSIN",
        name="lusine.petrosyan",
        real_name="Lusine Petrosyan",
        tz="Asia/Yerevan",
        locale="en-GB",
        country="Armenia",
        agency="Office of the Prime Minister",
        challenge=(
            "The working group still has forty civil society proposals on the table and the plan "
            "is due in six weeks. I don't have the time to meet each group separately, but I need "
            "a fair way to prioritise without losing their trust."
        ),
        pain_points=("time",),
        support=4,
        wants_match=False,
        consent="quote_anonymously",
        responds="modal",
        rsvp="going",
    ),
    # --- Europe ---------------------------------------------------------------
    DemoMember(
        user_id="UES0IRENE",
        name="irene.castano",
        real_name="Irene Castaño Vidal",
        tz="Europe/Madrid",
        locale="es-ES",
        country="Spain",
        agency=(
            "Ministerio para la Transformación Digital y de la Función Pública "
            "(Dirección General de Gobernanza Pública)"
        ),
        challenge=(
            "El plan no tiene presupuesto propio: cada compromiso depende de que el ministerio "
            "responsable lo pague con sus fondos ordinarios. Con los presupuestos prorrogados, "
            "varios compromisos se han quedado parados."
        ),
        pain_points=("funding",),
        support=4,
        wants_match=True,
        consent="share_with_matches",
        responds="modal",
        rsvp="going",
    ),
    DemoMember(
        user_id="UUA0OLENA",
        name="olena.hrytsenko",
        real_name="Olena Hrytsenko",
        tz="Europe/Kyiv",
        locale="en-GB",
        country="Ukraine",
        agency="Secretariat of the Cabinet of Ministers",
        challenge=(
            "Hundreds of municipalities publish reconstruction procurement data, each in its own "
            "format. Which data standards help other governments trace a contract end to end "
            "across datasets?"
        ),
        pain_points=(),
        support=3,
        wants_match=True,
        consent="quote_anonymously",
        responds="modal",
        rsvp="going",
    ),
    DemoMember(
        user_id="UIE0NIAMH",
        name="niamh.cullinane",
        real_name="Niamh Cullinane",
        tz="Europe/Dublin",
        locale="en-GB",
        country="Ireland",
        agency="Department of Public Expenditure, NDP Delivery and Reform",
        challenge=(
            "Most departments still treat the action plan as an extra reporting exercise rather "
            "than a different way of making policy. When I ask for ambitious commitments I get a "
            "list of things they were already doing."
        ),
        pain_points=("understanding_open_gov",),
        support=4,
        wants_match=False,
        consent="quote_anonymously",
        responds="dm",
        rsvp="not_going",
    ),
    DemoMember(
        user_id="UEE0LIIS0",
        name="liis.saarepuu",
        real_name="Liis Saarepuu",
        tz="Europe/Tallinn",
        locale="en-GB",
        country="Estonia",
        agency="Government Office",
        challenge=(
            "After the coalition changed in the spring, the government's action programme was "
            "rewritten and two of our commitments lost their lead ministry. I have to find them "
            "new owners before the self-assessment is due."
        ),
        pain_points=("changing_environment",),
        support=5,
        wants_match=False,
        consent="share_with_matches",
        responds="modal",
        rsvp="going",
    ),
    DemoMember(
        user_id="UIT0GIULI",
        name="giulia.ferraro",
        real_name="Giulia Ferraro",
        tz="Europe/Rome",
        locale="en-GB",
        country="Italy",
        agency="Department of Public Administration (Dipartimento della Funzione Pubblica)",
        challenge=(
            "Our Open Government Forum has around sixty member organisations, and answering their "
            "requests and running the working groups takes most of my week. There is almost no "
            "time left to follow up with the administrations that own the commitments."
        ),
        pain_points=("time",),
        support=3,
        wants_match=True,
        consent="counts_only",
        responds="skip",
        rsvp="not_going",
    ),
    # --- Americas -------------------------------------------------------------
    DemoMember(
        user_id="UMX0MARIA",
        name="mariana.olvera",
        real_name="Mariana Olvera Zamudio",
        tz="America/Mexico_City",
        locale="es-LA",
        country="Mexico",
        agency="Secretaría Anticorrupción y Buen Gobierno",
        challenge=(
            "Con la desaparición del órgano garante de transparencia, nadie tiene claro quién "
            "coordina ahora el Secretariado Técnico Tripartita. Las organizaciones de la sociedad "
            "civil hablan de retirarse y no sé cómo mantener vivo el plan mientras se define la "
            "nueva estructura."
        ),
        pain_points=("changing_environment",),
        support=2,
        wants_match=True,
        consent="quote_anonymously",
        responds="modal",
        rsvp="going",
    ),
    DemoMember(
        user_id="UCO0JUANC",
        name="juancamilo.ospina",
        real_name="Juan Camilo Ospina Vargas",
        tz="America/Bogota",
        locale="es-LA",
        country="Colombia",
        agency="Secretaría de Transparencia de la Presidencia de la República",
        challenge=(
            "Tres entidades que asumieron compromisos no han reportado ningún avance en seis "
            "meses y sus directivos no responden mis correos. Sin respaldo desde arriba no tengo "
            "cómo exigirles que cumplan."
        ),
        pain_points=("political_will",),
        support=3,
        wants_match=True,
        consent="counts_only",
        responds="dm",
        rsvp="not_going",
    ),
    DemoMember(
        user_id="UAR0VALER",
        name="valeria.iturralde",
        real_name="Valeria Iturralde",
        tz="America/Argentina/Buenos_Aires",
        locale="es-LA",
        country="Argentina",
        agency="Jefatura de Gabinete de Ministros (Subsecretaría de Innovación)",
        challenge=(
            "Con el recorte presupuestario y el congelamiento de contrataciones, el equipo de "
            "gobierno abierto pasó de siete personas a dos. No hay fondos para los encuentros "
            "federales de cocreación ni gente para seguir los compromisos."
        ),
        pain_points=("funding", "staff_turnover"),
        support=2,
        wants_match=True,
        consent="quote_anonymously",
        responds="modal",
        rsvp="going",
    ),
    DemoMember(
        user_id="UDO0ROSAE",
        name="rosa.almonte",
        real_name="Rosa Elena Almonte",
        tz="America/Santo_Domingo",
        locale="es-LA",
        country="Dominican Republic",
        agency="Dirección General de Ética e Integridad Gubernamental",
        challenge=(
            "Muchos funcionarios confunden gobierno abierto con subir documentos al portal de "
            "transparencia. Cuando hablo de cocreación o de rendición de cuentas me piden una "
            "plantilla para cumplir y pasar a otra cosa."
        ),
        pain_points=("understanding_open_gov",),
        support=3,
        wants_match=False,
        consent="counts_only",
        responds="silent",
    ),
    DemoMember(
        user_id="UCA0HANNA",
        name="hannah.lindqvist",
        real_name="Hannah Lindqvist",
        tz="America/Toronto",
        locale="en-US",
        country="Canada",
        agency="Treasury Board of Canada Secretariat",
        challenge=(
            "Three commitments were co-created with Indigenous organisations, and they rightly ask "
            "why the plan exists only in English and French. We want versions in Inuktitut and "
            "Cree, but no one owns that work and we have no process to validate translations with "
            "communities."
        ),
        pain_points=(),
        support=4,
        wants_match=False,
        consent="share_with_matches",
        responds="modal",
        rsvp="going",
    ),
    DemoMember(
        user_id="UUS0REBEC",
        name="rebecca.thornbury",
        real_name="Rebecca Thornbury",
        tz="America/New_York",
        locale="en-US",
        country="United States",
        agency="General Services Administration (Office of Government-wide Policy)",
        challenge=(
            "Our commitments were drafted under the previous administration, and several agency "
            "leads have since been reassigned or left federal service. I'm trying to work out "
            "which commitments still have an owner before the IRM's end-of-term review."
        ),
        pain_points=("changing_environment", "staff_turnover"),
        support=3,
        wants_match=True,
        consent="counts_only",
        responds="modal",
        rsvp="going",
    ),
)

_USER_ID = re.compile(r"U[A-Z0-9]{8}")
_HANDLE = re.compile(r"[a-z0-9][a-z0-9._-]*")


def _check() -> None:
    """Fail loudly at import if the demo data is inconsistent."""
    everyone = (DEMO_FACILITATOR, *DEMO_MEMBERS)
    if len(DEMO_MEMBERS) != 24:
        raise AssertionError(f"expected 24 demo members, got {len(DEMO_MEMBERS)}")
    ids = [m.user_id for m in everyone]
    if len(set(ids)) != len(ids):
        raise AssertionError(f"duplicate demo user ids: {sorted(i for i in ids if ids.count(i) > 1)}")
    names = [m.name for m in everyone]
    if len(set(names)) != len(names):
        raise AssertionError("duplicate demo handles")
    for m in everyone:
        if not _USER_ID.fullmatch(m.user_id):
            raise AssertionError(f"bad demo user id {m.user_id!r}")
        if not _HANDLE.fullmatch(m.name):
            raise AssertionError(f"bad demo handle {m.name!r}")
        try:
            ZoneInfo(m.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise AssertionError(f"{m.user_id}: invalid time zone {m.tz!r}") from exc
        unknown = set(m.pain_points) - set(DEMO_PAIN_POINTS)
        if unknown:
            raise AssertionError(f"{m.user_id}: unknown pain points {sorted(unknown)}")
        if len(set(m.pain_points)) != len(m.pain_points):
            raise AssertionError(f"{m.user_id}: repeated pain point")
        if m.rsvp not in ("", "going", "not_going"):
            raise AssertionError(f"{m.user_id}: bad rsvp {m.rsvp!r}")
        if m.responds not in DEMO_RESPONSES:
            raise AssertionError(f"{m.user_id}: bad responds {m.responds!r}")
        if not 1 <= m.support <= 5:
            raise AssertionError(f"{m.user_id}: support must be 1-5")
        if not m.challenge.strip():
            raise AssertionError(f"{m.user_id}: empty challenge")
    channel_id, channel_name = DEMO_COORDINATOR_CHANNEL
    if not channel_id.startswith("C") or not channel_name:
        raise AssertionError("bad DEMO_COORDINATOR_CHANNEL")


_check()
