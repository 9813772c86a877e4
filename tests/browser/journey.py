"""Counting a journey as a person on a phone makes it: taps and swipes.

A tap is a click, a tick or a field tapped to type in it (typing itself is not counted). A
swipe is the scroll that brings the next thing to tap into view: one per screen's height moved
(a thumb moves about a screen at a time), counted before the tap. A new page starts at its top,
as it does for the person. Issue 22 sets targets in these units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Journey:
    page: object
    taps: int = 0
    swipes: int = 0

    def _reach(self, locator) -> None:
        locator.wait_for(state="visible")
        box = locator.bounding_box()
        height = self.page.viewport_size["height"]
        if box["y"] >= 0 and box["y"] + box["height"] <= height:
            return
        before = self.page.evaluate("window.scrollY")
        locator.scroll_into_view_if_needed()
        moved = abs(self.page.evaluate("window.scrollY") - before)
        self.swipes += max(1, math.ceil(moved / height))

    def tap(self, locator) -> None:
        self._reach(locator)
        locator.click()
        self.taps += 1

    def type(self, locator, text: str) -> None:
        self._reach(locator)
        locator.click()
        locator.fill(text)
        self.taps += 1

    def screens(self) -> float:
        """How many screens tall the page is."""
        return self.page.evaluate("document.documentElement.scrollHeight / window.innerHeight")
