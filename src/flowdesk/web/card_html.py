"""One card's HTML.

A board page holds up to a couple of thousand cards and every live update renders one, so this
hot path is plain Python, not a Jinja macro: a `CardPainter` holds what every card of one render
shares (the moment, the zone, the people's names, the flow hints) and remembers the pieces many
cards repeat (a type, a customer, a set of assignees, an age), so each card costs little more
than joining its strings. Everything that comes from a person is escaped exactly as
markupsafe's autoescaping would.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from markupsafe import Markup, escape

from flowdesk.domain.calendars import Calendar
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.items import WorkItem
from flowdesk.web.cards import Age, age_of, due_of, initials, sla_of
from flowdesk.web.hints import CardHint

NO_NAMES: Mapping[str, str] = {}
Calendars = Mapping[tuple[int, int], Calendar]  # by (agreement id, version)
NO_CALENDARS: Calendars = {}
NO_HINTS: Mapping[str, CardHint] = {}

# The first line of a card, up to its class label, by class of service.
_CLASS_TAGS = {cos: (f"cos-{cos.value}", f'<span class="cos-tag">{cos.label}</span>')
               for cos in ClassOfService}


def esc(text: str) -> str:
    """`text` escaped by markupsafe, as autoescaping would, as a plain string."""
    return str(escape(text))


class CardPainter:
    """Paints the cards of one service as they look at `now`, for one viewer.

    `hints` are the flow hints by item key (web/hints.py): age against past lead times, and
    due-date risk. `names` are the assignees' display names (a name without an account is shown
    as it is). `timezone` is the service's: ages count its calendar days, due dates turn overdue
    at its local midnight, and times are shown in it. `calendars` are the calendars of the
    agreement versions items arrived under: the working time left is counted by them.
    `movable`: the viewer may move cards, so each has its "Move to…" button.

    What it remembers depends only on these and on the text it escapes, so a painter is made
    for one render (or one card) and dropped with it: it never outlives a change.
    """

    def __init__(self, now: datetime, service_key: str, *,
                 hints: Mapping[str, CardHint] = NO_HINTS, names: Mapping[str, str] = NO_NAMES,
                 timezone: str = "UTC", calendars: Calendars = NO_CALENDARS,
                 movable: bool = True) -> None:
        self.now = now
        self.timezone = timezone
        self.hints = hints
        self.names = names
        self.calendars = calendars
        self.movable = movable
        self.item_href = f'<a class="card-title" href="/services/{esc(service_key)}/items/'
        self._text: dict[str, str] = {}
        self._people: dict[tuple[str, ...], str] = {}
        self._ages: dict[Age, str] = {}
        self._hints: dict[CardHint, tuple[str, str]] = {}

    def card(self, item: WorkItem) -> str:
        """The whole card: its body, its "Move to…" button when the viewer may move cards,
        and its closing tag."""
        if self.movable:
            return self.body(item) + move_button(item) + "</article>"
        return self.body(item) + "</article>"

    def cards(self, items: list[WorkItem]) -> Markup:
        """Several cards, one after the other, as markup (every value in it escaped)."""
        card = self.card
        return Markup("".join([card(item) for item in items]))  # noqa: S704 - escaped

    def body(self, item: WorkItem) -> str:
        """The card up to its "Move to…" button and closing tag: key, class (colour and
        label), age, flow hints, title, type, customer, due date, people, service level and
        blocker. `data-rank` and `data-id` are its place in its stage (the board's order:
        rank, then id), so the board script can put a live update in its place within the
        card's own lane; `data-closed`, when it closed (ms since the epoch): done columns keep
        only the recent, newest first."""
        key = esc(item.key)
        blocker = item.blocker
        blocked = blocker is not None and blocker.is_open
        cos_class, cos_tag = _CLASS_TAGS[item.cos]
        closed_at = item.delivered_at or item.discarded_at
        closed = "" if closed_at is None else f' data-closed="{epoch_ms(closed_at)}"'
        parts = [
            f'<article class="card {cos_class}{" is-blocked" if blocked else ""}" '
            f'id="card-{key}" data-key="{key}" data-version="{item.version}" '
            f'data-rank="{item.rank}" data-id="{item.id}"{closed}>\n'
            f'<div class="card-top"><span class="card-key">{key}</span>{cos_tag}'
        ]
        if item.committed_at is not None:
            parts.append(self._age(item))
        hint = self.hints.get(item.key)
        top, risk = ("", "") if hint is None else self._hint(hint)
        text = self._text
        kind = text.get(item.type)
        if kind is None:
            kind = text[item.type] = esc(item.type)
        parts.append(f'{top}</div>\n{self.item_href}{key}">{esc(item.title)}</a>\n'
                     f'<div class="card-meta"><span class="card-type">{kind}</span>')
        if item.customer:
            customer = text.get(item.customer)
            if customer is None:
                customer = text[item.customer] = esc(item.customer)
            parts.append(f'<span class="card-customer">{customer}</span>')
        if item.due_date is not None:
            due = due_of(item, self.now, self.timezone)
            if due is not None:
                parts.append(f'<time class="due due-{due.tone or "later"}" '
                             f'datetime="{due.iso}">{due.label}</time>')
        parts.append(risk)
        if item.assignees:
            people = self._people.get(item.assignees)
            if people is None:
                people = self._people[item.assignees] = self._people_html(item.assignees)
            parts.append(people)
        parts.append("</div>\n")
        if item.due_at is not None:
            calendar = self.calendars.get((item.agreement_id or 0, item.agreement_version or 0))
            sla = sla_of(item, self.now, calendar, self.timezone)
            if sla is not None:
                parts.append(
                    f'<p class="sla sla-{sla.tone or "later"}" title="{esc(sla.sentence)}">'
                    f'<span class="sla-name">{esc(sla.headline)}</span> · '
                    f'<span class="sla-left">{esc(sla.left)}</span> · '
                    f'<time datetime="{sla.iso}">{esc(sla.due)}</time></p>\n')
        if blocked:
            assert blocker is not None  # for the type checker: `blocked` says so
            parts.append(f'<p class="blocker"><span class="blocker-tag">Blocked</span> '
                         f'<span class="blocker-cat">{esc(blocker.category)}</span> '
                         f'{esc(blocker.reason)}</p>\n')
        return "".join(parts)

    def _age(self, item: WorkItem) -> str:
        """The age badge of a committed item (web/cards.py `age_of`, the one definition)."""
        age = age_of(item, self.now, self.timezone)
        if age is None:
            return ""
        badge = self._ages.get(age)
        if badge is None:
            badge = self._ages[age] = (f'<span class="card-age" title="{age.words}">'
                                       f'{age.short}</span>')
        return badge

    def _hint(self, hint: CardHint) -> tuple[str, str]:
        """A hint's two pieces: the age hint in the card's first line, the risk flag in its
        details line."""
        pieces = self._hints.get(hint)
        if pieces is None:
            top = risk = ""
            if hint.tone:
                title = esc(hint.title)
                top = (f'<span class="age-hint age-{hint.tone}" title="{title}">'
                       f'<span class="visually-hidden">{title}</span></span>')
            if hint.risk:
                risk = (f'<span class="risk-flag" title="{esc(hint.risk_title)}">'
                        f'{esc(hint.risk)}</span>')
            pieces = self._hints[hint] = (top, risk)
        return pieces

    def _people_html(self, assignees: tuple[str, ...]) -> str:
        shown = [self.names.get(p, p) for p in assignees]
        people = "".join(f'<abbr class="person" title="{esc(p)}">{esc(initials(p))}</abbr>'
                         for p in shown)
        return f'<span class="people">{people}</span>'


def card_html(item: WorkItem, now: datetime, service_key: str,
              hint: CardHint | None = None, names: Mapping[str, str] = NO_NAMES, *,
              movable: bool = True, timezone: str = "UTC",
              calendars: Calendars = NO_CALENDARS) -> Markup:
    """The card of `item` as it looks at `now` (see `CardPainter`), with its "Move to…"
    button only when the person may move cards (`movable`); `hint` is its flow hint."""
    painter = CardPainter(now, service_key, hints=_one_hint(item, hint), names=names,
                          timezone=timezone, calendars=calendars, movable=movable)
    return Markup(painter.card(item))  # noqa: S704 - escaped


def move_button(item: WorkItem) -> str:
    key = esc(item.key)
    return f'<button class="move-btn" data-move aria-label="Move {key} to…">Move to…</button>\n'


def card_body(item: WorkItem, now: datetime, service_key: str, hint: CardHint | None,
              names: Mapping[str, str], *, timezone: str = "UTC",
              calendars: Calendars = NO_CALENDARS) -> str:
    """The card up to its "Move to…" button and closing tag, every value from a person
    escaped (a live update sends it both with and without the button)."""
    painter = CardPainter(now, service_key, hints=_one_hint(item, hint), names=names,
                          timezone=timezone, calendars=calendars)
    return painter.body(item)


def _one_hint(item: WorkItem, hint: CardHint | None) -> Mapping[str, CardHint]:
    return NO_HINTS if hint is None else {item.key: hint}


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the Unix epoch, as the board script compares moments."""
    return int(moment.timestamp() * 1000)
