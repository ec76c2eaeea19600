"""`--format markdown`: the sticky pull-request comment (review.md, "One sticky PR comment").

Ten sections, each a template under `templates/comment/`: verdict, impact summary, safety
review, findings, migration preview, schema changes, activity log, schema explanations,
documentation stubs, footer; with an LLM enabled, its AI-written notes follow the findings.
Each renders at a detail level: 0 says everything, each higher level says less and points to
the check run for the rest. The comment starts with every section
at level 0 and, while it is longer than the limit, lowers the level of the least important
section that can still give detail up; if that is not enough, whole sections are left out from
the end. Large sections are folded (`<details>`) at every level.

Every value from the pull request is escaped by the template environment (see `templating`);
the marker the App finds its comment by is written once, at the top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from dbreview.render.review_view import Links, ReviewView
from dbreview.render.templating import Trusted, untrusted_template
from dbreview.review.build import AcceptedRule, accept
from dbreview.review.model import Review

COMMENT_MARKER = "<!-- dbreview:review -->"
MARKER = COMMENT_MARKER
MAX_COMMENT = 65_000  # GitHub refuses comments over 65,536 characters


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    levels: int  # how many detail levels its template knows


SECTIONS = (
    Section("verdict", 1), Section("impact", 3), Section("safety", 1), Section("findings", 3),
    Section("enrichment", 2), Section("preview", 3), Section("schema", 3), Section("activity", 2),
    Section("explanations", 2), Section("docs", 2), Section("footer", 1),
)
# The first gives detail up first when the comment is too long.
SHRINK_ORDER = ("enrichment", "docs", "explanations", "preview", "schema", "activity", "impact",
                "findings")
_OMITTED = ("\n**Comment shortened:** the rest of the review is in {where}.\n\n")


@dataclass(slots=True)
class _Layout:
    view: ReviewView
    levels: dict[str, int] = field(default_factory=lambda: {s.name: 0 for s in SECTIONS})
    cache: dict[tuple[str, int], str] = field(default_factory=dict)

    def section(self, name: str) -> str:
        key = (name, self.levels[name])
        if key not in self.cache:
            template = untrusted_template(f"comment/{name}.md.j2")
            self.cache[key] = template.render(view=self.view, level=self.levels[name])
        return self.cache[key]

    def text(self, names: Sequence[str]) -> str:
        return "".join(self.section(name) for name in names)

    def shrink(self) -> bool:
        """Lower the level of the first section in SHRINK_ORDER that has one left."""
        limits = {section.name: section.levels for section in SECTIONS}
        for name in SHRINK_ORDER:
            if self.levels[name] + 1 < limits[name]:
                self.levels[name] += 1
                return True
        return False


def render(review: Review, *, head_sha: str | None = None, details_url: str | None = None,
           ignored: Sequence[AcceptedRule] = (), links: Links | None = None,
           limit: int = MAX_COMMENT) -> str:
    """The comment for `review`. `ignored` (rules accepted with `/dbreview ignore`) are applied
    first; `details_url` (the check run) is where a shortened comment points; `limit` leaves
    room for what the App appends."""
    view = ReviewView(accept(review, ignored), head_sha=head_sha, details_url=details_url,
                      links=links or Links())
    layout = _Layout(view)
    names = [section.name for section in SECTIONS]
    marker = COMMENT_MARKER + "\n"
    while len(marker) + len(layout.text(names)) > limit and layout.shrink():
        pass
    if len(marker) + len(layout.text(names)) <= limit:
        return marker + layout.text(names)
    return marker + _without_trailing_sections(layout, names, limit - len(marker))


def _without_trailing_sections(layout: _Layout, names: list[str], limit: int) -> str:
    """Leave out sections from the end (the footer stays) until the rest fits."""
    where = Trusted(f"[the check run]({layout.view.details_url})") if layout.view.details_url \
        else "the output of `dbreview check`"
    notice = _OMITTED.format(where=where)
    kept = names[:-1]
    while kept and len(layout.text(kept)) + len(notice) + len(layout.section("footer")) > limit:
        kept.pop()
    return layout.text(kept) + notice + layout.section("footer")
