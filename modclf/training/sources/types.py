"""The labelled page every segmentation source produces."""

from __future__ import annotations

from dataclasses import dataclass, field

from modclf.pages import Block

LINE_LABELS = ("body", "boilerplate", "comment")


@dataclass
class LabeledPage:
    """A page with one label per block, and comment membership where it is known."""

    id: str  # unique across sources, e.g. "dragnet/100", "synthetic/train/17"
    source: str  # "dragnet" | "readability" | "cleaneval" | "sfu" | "synthetic"
    group: str  # the split key: site host, or source article id; never split inside a group
    format: str  # "text" | "html": how `raw` must be read
    blocks: list[Block]  # exactly what modclf.pages.read_page(raw, format) gives
    labels: list[str]  # one of LINE_LABELS per block
    comment_index: list[int | None]  # per block: which comment (0, 1, ...) it belongs to, else None
    boundaries_known: bool  # False where comments are known only as one block (dragnet gold)
    raw: str = ""  # the page as given to the model (HTML or text)
    gold_body: str | None = None  # reference article text, for token-level F1 (Dragnet paper)
    gold_comments: str | None = None  # reference comment text, for token-level F1
    meta: dict = field(default_factory=dict)  # e.g. alignment coverage

    def __post_init__(self) -> None:
        if not (len(self.blocks) == len(self.labels) == len(self.comment_index)):
            raise ValueError(f"{self.id}: blocks, labels and comment_index differ in length")
