"""One card's HTML.

A board page holds up to a couple of thousand cards and every live update renders one, so this
hot path is plain Python, not a Jinja macro: a `CardPainter` holds what every card of one render
shares (the moment, the zone, the people's names, the flow hints) and remembers the pieces many
cards repeat (a type, a customer, a set of assignees, an age), so each card costs little more
than joining its strings; a board keeps what each card shows of its item alone until the
service's next board (`CardPainter.board`). Everything that comes from a person is escaped
exactly as markupsafe's autoescaping would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from threading import Lock

from markupsafe import Markup, escape

from flowdesk.domain.calendars import Calendar
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.items import WorkItem
from flowdesk.web.cards import Age, Due, age_of, due_of, initials, sla_of
from flowdesk.web.hints import CardHint

NO_NAMES: Mapping[str, str] = {}
Calendars = Mapping[tuple[int, int], Calendar]  # by (agreement id, version)
NO_CALENDARS: Calendars = {}
NO_HINTS: Mapping[str, CardHint] = {}

# The first line of a card, up to its class label, by class of service.
_CLASS_TAGS = {cos: (f"cos-{cos.value}", f'<span class="cos-tag">{cos.label}</span>')
               for cos in ClassOfService}

# What a card shows of its item alone, whatever the moment, the viewer or the names: (the item,
# the card up to its class label, from the end of its first line to its type and customer, its
# blocker, its "Move to…" button). See `CardPainter.board`.
Fixed = tuple[WorkItem, str, str, str, str]
# By service key, the fixed parts of the cards of its last board, by id() of their item: the
# item is held, so no other object has its id while its parts are kept.
_KEPT: dict[str, dict[int, Fixed]] = {}
_BOARDS_KEPT = 16
_KEPT_LOCK = Lock()


def esc(text: str) -> str:
    """`text` escaped by markupsafe, as autoescaping would, as a plain string. Most text on a
    card (keys, titles) has nothing to escape: it is returned as it is, without the cost of
    a `Markup` (four times that of looking for the five characters markupsafe replaces)."""
    if "&" in text or "<" in text or ">" in text or "'" in text or '"' in text:
        return str(escape(text))
    return text


class CardPainter:
    """Paints the cards of one service as they look at `now`, for one viewer.

    `hints` are the flow hints by item key (web/hints.py): age against past lead times, and
    due-date risk. `names` are the assignees' display names (a name without an account is shown
    as it is). `timezone` is the service's: ages count its calendar days, due dates turn overdue
    at its local midnight, and times are shown in it. `calendars` are the calendars of the
    agreement versions items arrived under: the working time left is counted by them.
    `movable`: the viewer may move cards, so each has its "Move to…" button.

    What it remembers depends only on these and on the text it escapes, so a painter is made
    for one render (or one card) and dropped with it: it never outlives a change. What `board`
    keeps for the service's next board depends on each item alone.
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
        self.service_key = service_key
        self.item_href = f'<a class="card-title" href="/services/{esc(service_key)}/items/'
        self._kinds: dict[str, str] = {}
        self._customers: dict[str, str] = {}
        self._people: dict[tuple[str, ...], str] = {}
        self._ages: dict[Age, str] = {}
        self._dues: dict[Due, str] = {}
        self._hints: dict[CardHint, tuple[str, str]] = {}

    def card(self, item: WorkItem) -> str:
        """The whole card: its body, its "Move to…" button when the viewer may move cards,
        and its closing tag."""
        return self._paint(item, self._fixed(item), self.movable, "</article>")

    def board(self, cells: Iterable[Iterable[list[WorkItem]]]) -> list[list[Markup]]:
        """The cards of every cell of a board (lanes of cells, each a list of cards), each
        cell's cards one after the other, as markup (every value in it escaped).

        What a card shows of its item alone (all but its age, flow hints, due date, people and
        service level, which follow the moment, the zone and the names) is kept until the
        service's next board and used again for the same item: storage/board.py hands out the
        same immutable item while its row is unchanged, and a changed item is another object,
        so nothing kept is stale. Each board keeps only its own cards."""
        known = _KEPT.get(self.service_key, {}).get
        kept: dict[int, Fixed] = {}
        paint, make, movable = self._paint, self._fixed, self.movable
        painted = []
        for lane in cells:
            row = []
            for cell in lane:
                parts = []
                for item in cell:
                    fixed = known(id(item))
                    if fixed is None or fixed[0] is not item:
                        fixed = make(item)
                    kept[id(item)] = fixed
                    parts.append(paint(item, fixed, movable, "</article>"))
                row.append(Markup("".join(parts)))  # noqa: S704 - escaped
            painted.append(row)
        with _KEPT_LOCK:  # requests run in threads
            _KEPT.pop(self.service_key, None)
            if len(_KEPT) >= _BOARDS_KEPT:  # the service shown least recently goes
                del _KEPT[next(iter(_KEPT))]
            _KEPT[self.service_key] = kept
        return painted

    def body(self, item: WorkItem) -> str:
        """The card up to its "Move to…" button and closing tag: key, class (colour and
        label), age, flow hints, title, type, customer, due date, people, service level and
        blocker. `data-rank` and `data-id` are its place in its stage (the board's order:
        rank, then id), so the board script can put a live update in its place within the
        card's own lane; `data-closed`, when it closed (ms since the epoch): done columns keep
        only the recent, newest first."""
        return self._paint(item, self._fixed(item), False, "")

    def _paint(self, item: WorkItem, fixed: Fixed, movable: bool, end: str) -> str:
        """The body (see `body`) around the item's `fixed` parts, then the "Move to…" button
        when `movable`, then `end`."""
        age = "" if item.committed_at is None else self._age(item)
        hint = self.hints.get(item.key) if self.hints else None
        top, risk = ("", "") if hint is None else self._hint(hint)
        due = "" if item.due_date is None else self._due(item)
        people = ""
        if item.assignees:
            people = self._people.get(item.assignees) or self._people.setdefault(
                item.assignees, self._people_html(item.assignees))
        sla = "" if item.due_at is None else self._sla(item)
        return (f'{fixed[1]}{age}{top}{fixed[2]}{due}{risk}{people}</div>\n'
                f'{sla}{fixed[3]}{fixed[4] if movable else ""}{end}')

    def _fixed(self, item: WorkItem) -> Fixed:
        """What the card shows of its item alone (see `Fixed`), in one f-string each."""
        key = esc(item.key)
        blocker = item.blocker
        blocked = blocker is not None and blocker.is_open
        cos_class, cos_tag = _CLASS_TAGS[item.cos]
        closed_at = item.delivered_at or item.discarded_at
        closed = "" if closed_at is None else f' data-closed="{epoch_ms(closed_at)}"'
        kind = self._kinds.get(item.type)
        if kind is None:
            kind = self._kinds[item.type] = f'<span class="card-type">{esc(item.type)}</span>'
        customer = ""
        if item.customer:
            customer = self._customers.get(item.customer) or self._customers.setdefault(
                item.customer, f'<span class="card-customer">{esc(item.customer)}</span>')
        stop = ""
        if blocked:
            assert blocker is not None  # for the type checker: `blocked` says so
            stop = (f'<p class="blocker"><span class="blocker-tag">Blocked</span> '
                    f'<span class="blocker-cat">{esc(blocker.category)}</span> '
                    f'{esc(blocker.reason)}</p>\n')
        return (item,
                f'<article class="card {cos_class}{" is-blocked" if blocked else ""}" '
                f'id="card-{key}" data-key="{key}" data-version="{item.version}" '
                f'data-rank="{item.rank}" data-id="{item.id}"{closed}>\n'
                f'<div class="card-top"><span class="card-key">{key}</span>{cos_tag}',
                f'</div>\n{self.item_href}{key}">{esc(item.title)}</a>\n'
                f'<div class="card-meta">{kind}{customer}',
                stop, _move_button(key))

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

    def _due(self, item: WorkItem) -> str:
        """The due-date badge (web/cards.py `due_of`)."""
        due = due_of(item, self.now, self.timezone)
        if due is None:
            return ""
        badge = self._dues.get(due)
        if badge is None:
            badge = self._dues[due] = (f'<time class="due due-{due.tone or "later"}" '
                                       f'datetime="{due.iso}">{due.label}</time>')
        return badge

    def _sla(self, item: WorkItem) -> str:
        """The service-level badge of an item that arrived under an agreement."""
        calendar = self.calendars.get((item.agreement_id or 0, item.agreement_version or 0))
        sla = sla_of(item, self.now, calendar, self.timezone)
        if sla is None:
            return ""
        return (f'<p class="sla sla-{sla.tone or "later"}" title="{esc(sla.sentence)}">'
                f'<span class="sla-name">{esc(sla.headline)}</span> · '
                f'<span class="sla-left">{esc(sla.left)}</span> · '
                f'<time datetime="{sla.iso}">{esc(sla.due)}</time></p>\n')

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
    return _move_button(esc(item.key))


def _move_button(key: str) -> str:
    """The "Move to…" button of the card whose key, escaped, is `key`."""
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
