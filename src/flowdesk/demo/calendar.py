"""The demo team's working calendar: office hours in a local timezone, weekends off.

Simulated time is kept in UTC. Local time only decides where a working day begins and ends,
so a daylight-saving change moves the office hours with the wall clock, as it does for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WorkCalendar:
    timezone: str = "Europe/Brussels"
    opens: time = time(8, 30)
    closes: time = time(17, 0)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, when: datetime) -> datetime:
        """The same instant on the team's wall clock."""
        return when.astimezone(self.zone)

    def at(self, day: date, clock_time: time) -> datetime:
        """The UTC instant of a local wall-clock time on a day."""
        return datetime.combine(day, clock_time, tzinfo=self.zone).astimezone(UTC)

    @staticmethod
    def is_working_day(day: date) -> bool:
        return day.weekday() < 5

    def is_open(self, when: datetime) -> bool:
        """True during office hours on a working day."""
        local = self.local(when)
        return self.is_working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, when: datetime) -> datetime:
        """`when` itself if the office is open then, else the next moment it opens."""
        if self.is_open(when):
            return when
        day = self.local(when).date()
        if self.is_working_day(day) and when < self.at(day, self.opens):
            return self.at(day, self.opens)
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return self.at(day, self.opens)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """When `hours` of office time that begin at `start` are over, to the second.

        Work left at closing time carries over to the next working morning.
        """
        left = timedelta(seconds=round(hours * 3600))
        now = self.next_opening(start)
        while True:
            closing = self.at(self.local(now).date(), self.closes)
            if now + left <= closing:
                return now + left
            left -= closing - now
            now = self.next_opening(closing)

    def working_days(self, start: datetime, end: datetime) -> list[date]:
        """The local working days from the day of `start` to the day of `end`, inclusive."""
        day = self.local(start).date()
        last = self.local(end).date()
        days = []
        while day <= last:
            if self.is_working_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def add_working_days(self, day: date, count: int) -> date:
        """The working day `count` working days after `day`."""
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day
