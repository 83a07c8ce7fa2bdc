"""The page synthesiser: synthetic text pages with exact line labels and comment boundaries.

Built from real article text, real chrome and real individual comments (gathered by
modclf.training.sources.page_loaders), since no real set marks where one comment ends and the next begins.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable

from modclf.pages import MAX_BLOCK_CHARS, text_blocks
from modclf.training.sources.types import LabeledPage

# --------------------------------------------------------------------------------------------
# Synthetic pages

_FIRST = "Anna Ben Carla David Elena Frank Grace Hugo Irene James Kate Liam Maria Noah Olga Paul Rosa Sam Tara Victor".split()
_LAST = "Adams Brown Clarke Diaz Evans Fischer Garcia Hughes Ivanova Jones Khan Lopez Martin Novak Owens Patel Reed Silva Turner Walsh".split()
_AGENCIES = ["AP", "Reuters", "AFP", "Getty Images", "EPA", "PA", "Bloomberg", "Shutterstock"]
_SECTIONS = [
    "News",
    "World",
    "Politics",
    "Business",
    "Sport",
    "Opinion",
    "Tech",
    "Culture",
    "Science",
    "Health",
]
_SHORT_COMMENTS = [
    "yes",
    "Agreed.",
    "lol",
    "Well said.",
    "+1",
    "This.",
    "Nonsense.",
    "So true",
    "Thank you!",
    "Exactly!",
    "No.",
    "Great article",
    "Wow",
    "Same here",
    "Couldn't agree more.",
    "Sad.",
    "Finally!",
    "Good.",
    "ha",
    "Really?",
    "Spot on.",
    "Thanks for sharing",
    "Bravo",
    "Disgraceful",
    "why?",
]
# Article sources are drawn with these weights (pool sizes differ tenfold; news text matters most).
_ARTICLE_SOURCE_WEIGHTS = {"dragnet": 0.45, "sfu": 0.2, "readability": 0.15, "cleaneval": 0.2}
_MONTH_NAMES = "January February March April May June July August September October November December".split()


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _handle(rng: random.Random) -> str:
    style = rng.random()
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    if style < 0.3:
        return f"{first.lower()}{rng.randint(1, 999)}"
    if style < 0.5:
        return f"{first}_{last[0]}"
    if style < 0.6:
        return rng.choice(["Anonymous", "Guest", "A reader", "Anonymous Coward", "Concerned citizen"])
    return f"{first} {last}"


def _date(rng: random.Random) -> str:
    d, m, y = rng.randint(1, 28), rng.randrange(12), rng.randint(2009, 2024)
    hh, mm = rng.randint(1, 12), rng.randint(0, 59)
    return rng.choice(
        [
            f"{_MONTH_NAMES[m]} {d}, {y}",
            f"{d} {_MONTH_NAMES[m]} {y}",
            f"{_MONTH_NAMES[m][:3]} {d}, {y} {hh}:{mm:02d} {rng.choice(['AM', 'PM', 'a.m.', 'p.m.'])}",
            f"{y}-{m + 1:02d}-{d:02d}",
            f"{d:02d}/{m + 1:02d}/{y}",
            f"{_MONTH_NAMES[m]} {d}, {y} at {hh}:{mm:02d} {rng.choice(['am', 'pm'])}",
        ]
    )


def _ago(rng: random.Random) -> str:
    n = rng.randint(1, 23)
    return rng.choice(
        [
            f"{n} hours ago",
            f"{n} minutes ago",
            f"{n}h",
            f"{n}m",
            f"{rng.randint(1, 6)} days ago",
            "1 hour ago",
            "Just now",
            "yesterday",
            f"{n} hrs ago",
            f"{rng.randint(2, 11)} months ago",
            f"{n}d",
        ]
    )


def _byline_lines(rng: random.Random) -> list[str]:
    name = _name(rng)
    options = [
        [f"By {name}"],
        [f"By {name}", _date(rng)],
        [
            f"{name}, {rng.choice(['Reporter', 'Staff writer', 'Political editor', 'Correspondent'])}",
            _date(rng),
        ],
        [f"Published {_date(rng)}"],
        [
            f"Updated {rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(['EST', 'GMT', 'BST', 'ET'])}, {_date(rng)}"
        ],
        [f"{_date(rng)} | {name}"],
        [f"By {name} and {_name(rng)}", f"{rng.randint(2, 15)} min read"],
        [
            f"{name} For {rng.choice(['The Daily Post', 'MailOnline', 'Example News', 'The Herald'])}",
            f"Published: {_date(rng)}",
        ],
        [name, rng.choice(_SECTIONS), _date(rng)],
    ]
    return rng.choice(options)


def _video_chrome(rng: random.Random, title: str) -> list[str]:
    minutes, seconds = rng.randint(0, 14), rng.randint(1, 59)
    duration = f"{minutes}:{seconds:02d}"
    sep = rng.choice(["", " ", ": "])
    # Ordered as players lay them out; each item kept with its own probability, so runs vary.
    items = [
        ("Video Player is loading.", 0.3),
        (f"Watch: {title}" if title else "Watch", 0.2),
        ("Play Video", 0.3),
        (f"Loaded{sep}{rng.choice([0, 0, 12, 37, 100])}%", 0.6),
        (f"Progress{sep}{rng.choice([0, 0, 5])}%", 0.5),
        ("0:00", 0.5),
        ("Previous", 0.4),
        (rng.choice(["Play", "Pause"]), 0.8),
        ("Skip", 0.3),
        ("Next", 0.3),
        (rng.choice(["Mute", "Unmute"]), 0.7),
        (f"Current Time{sep}0:00", 0.6),
        ("/", 0.5),
        (f"Duration{rng.choice([' Time', ''])}{sep}{duration}", 0.6),
        (f"Remaining Time{sep}-{duration}", 0.3),
        ("Stream Type LIVE", 0.1),
        ("1x", 0.2),
        ("Playback Rate", 0.2),
        ("Chapters", 0.15),
        ("descriptions off, selected", 0.1),
        ("Captions", 0.2),
        ("captions off, selected", 0.15),
        ("Audio Track", 0.1),
        ("Picture-in-Picture", 0.15),
        ("Fullscreen", 0.7),
        ("This is a modal window.", 0.15),
        ("Up Next", 0.2),
        ("Autoplay", 0.15),
        ("Replay", 0.1),
        (f"{rng.randint(1, 900)}K views", 0.1),
        ("Close", 0.2),
    ]
    lines = [text for text, p in items if rng.random() < p]
    return lines or ["Play"]


def _gallery_chrome(rng: random.Random, caption: str | None) -> list[str]:
    n = rng.randint(2, 40)
    style = rng.randrange(4)
    lines = []
    if style == 0:
        lines = [f"+{n}", rng.choice(["View gallery", "View Gallery", "Open gallery"])]
    elif style == 1:
        lines = [f"{rng.randint(1, n)}/{n}", rng.choice(["Prev", "Previous"]), "Next"]
    elif style == 2:
        lines = [
            f"Image {rng.randint(1, n)} of {n}",
            rng.choice(["Show more", "Expand", "Enlarge this image"]),
        ]
    else:
        lines = [f"{n} photos", rng.choice(["View all", "See all photos", "Launch gallery"])]
    if caption:
        lines.append(caption)
        if rng.random() < 0.4:
            lines.append(
                rng.choice(
                    [
                        f"Photo: {rng.choice(_AGENCIES)}",
                        f"{_name(rng)}/{rng.choice(_AGENCIES)}",
                        f"Credit: {rng.choice(_AGENCIES)}",
                        f"({rng.choice(_AGENCIES)})",
                    ]
                )
            )
    return lines


def _caption(rng: random.Random, paragraphs: list[str]) -> str | None:
    """A caption repeating or paraphrasing an article sentence (often without its final period)."""
    sentences = [s for p in paragraphs for s in re.split(r"(?<=[.!?])\s+", p) if 6 <= len(s.split()) <= 45]
    if not sentences:
        return None
    text = rng.choice(sentences)
    r = rng.random()
    if r < 0.5:
        text = text.rstrip(".")
    elif r < 0.7 and "," in text:
        text = text.split(",", 1)[0]
    elif r < 0.8:
        text = "Pictured: " + text[0].lower() + text[1:].rstrip(".")
    elif r < 0.9:
        text = text.rstrip(".") + f" ({rng.choice(_AGENCIES)})"
    return text


def _share_chrome(rng: random.Random) -> list[str]:
    pool = [
        "Share",
        "Tweet",
        "Email",
        "Facebook",
        "Twitter",
        "WhatsApp",
        "LinkedIn",
        "Pinterest",
        "Reddit",
        "Copy link",
        "Print",
        f"Comments {rng.randint(0, 900)}",
        f"{rng.randint(1, 900)} comments",
        "Save",
        "Share this article",
        "Share on Facebook",
        "Share on X",
        f"{rng.randint(1, 99)}K shares",
        "Gift article",
    ]
    picked = rng.sample(pool, rng.randint(1, 5))
    return [" ".join(picked)] if rng.random() < 0.25 else picked


def _ad_chrome(rng: random.Random) -> list[str]:
    return [
        rng.choice(
            [
                "Advertisement",
                "ADVERTISEMENT",
                "Story continues below advertisement",
                "Sponsored",
                "Continue reading the main story",
                "Article continues below",
                "Scroll to continue with content",
                "Ad",
                "Advertisement - scroll to continue",
            ]
        )
    ]


def _related_chrome(rng: random.Random, titles: list[str]) -> list[str]:
    head = rng.choice(
        [
            "Related",
            "Read more",
            f"More from {rng.choice(_SECTIONS)}",
            "You may also like",
            "Most read",
            "Trending",
            "Recommended",
            "RELATED ARTICLES",
            "Top stories",
        ]
    )
    if not titles:
        return [head]
    picked = rng.sample(titles, min(len(titles), rng.randint(1, 5)))
    if rng.random() < 0.3:
        return [f"READ MORE: {picked[0]}"]
    lines = [head]
    for t in picked:
        lines.append(t)
        if rng.random() < 0.2:
            lines.append(_ago(rng))
    return lines


def _newsletter_chrome(rng: random.Random) -> list[str]:
    return rng.choice(
        [
            ["Sign up for our newsletter", "Enter your email", "Subscribe"],
            [
                "Get the latest headlines in your inbox",
                "Sign up",
                "By signing up you agree to our Terms of Use and Privacy Policy",
            ],
            ["Thanks for signing up!"],
            ["Subscribe now", f"Only {rng.randint(1, 9)}.99 a month"],
        ]
    )


def _comments_header(rng: random.Random, n: int) -> list[str]:
    options = [
        [f"Comments ({n})"],
        [f"{n} Comments"],
        ["Join the conversation"],
        ["Comments"],
        [f"Comments ({n})", "Sort by", rng.choice(["Newest", "Oldest", "Best", "Most liked"])],
        ["Conversation", f"{n} comments", "Log in to comment"],
        ["Post a comment", "Add a comment...", "Submit"],
        [f"View all {n} comments"],
        ["Show comments"],
        ["Community guidelines", "Write a comment...", "Post"],
        [f"{n} Responses to this article"],
        ["What do you think?", "Leave a Reply", "Name", "Email (not published)"],
    ]
    return rng.choice(options)


def _footer_lines(rng: random.Random) -> list[str]:
    site = rng.choice(
        ["Example News", "The Daily Post", "Metro Herald", "Global Times Online", "City Gazette"]
    )
    pool = [
        f"© {rng.randint(2010, 2024)} {site}. All rights reserved.",
        "Privacy Policy",
        "Terms of Use",
        "Contact Us",
        "About Us",
        "Cookie settings",
        "Back to top",
        "Advertise with us",
        "Site map",
        "Careers",
    ]
    return rng.sample(pool, rng.randint(1, 5))


def _window(rng: random.Random, lines: list[str], k: int) -> list[str]:
    if not lines or k <= 0:
        return []
    start = rng.randrange(max(1, len(lines) - k + 1))
    return lines[start : start + k]


def _comment_style(rng: random.Random) -> dict:
    """How one page shows its comments: the same header/footer chrome for every comment."""
    bare = rng.random() < 0.25
    return {
        "bare": bare,
        "header": "none"
        if bare
        else rng.choice(
            ["author", "author+time", "author_dot_time", "says", "posted_by", "wrote", "none", "author+date"]
        ),
        "footer": "none"
        if bare
        else rng.choice(["none", "reply", "reply_report", "like_reply", "inline_actions", "votes", "report"]),
        "numbered": not bare and rng.random() < 0.1,
        "reply_marker": not bare and rng.random() < 0.3,
        "split_long": not bare and rng.random() < 0.5,
    }


def _comment_header(rng: random.Random, style: dict, author: str, number: int) -> list[str]:
    h = style["header"]
    lines = [f"#{number}"] if style["numbered"] else []
    if h == "author":
        lines.append(author)
    elif h == "author+time":
        lines += [author, _ago(rng)]
    elif h == "author+date":
        lines += [author, _date(rng)]
    elif h == "author_dot_time":
        lines.append(f"{author} {rng.choice(['·', '•', '|', '-'])} {_ago(rng)}")
    elif h == "says":
        lines += [f"{author} says:", _date(rng)]
    elif h == "posted_by":
        lines.append(f"Posted by {author} on {_date(rng)}")
    elif h == "wrote":
        lines.append(f"{author} wrote:")
    return lines


def _comment_footer(rng: random.Random, style: dict) -> list[str]:
    f = style["footer"]
    likes = rng.randint(0, 300)
    if f == "reply":
        return ["Reply"]
    if f == "reply_report":
        return ["Reply", "Report"] if rng.random() < 0.7 else ["Reply | Report abuse"]
    if f == "like_reply":
        return [f"Like {likes}" if rng.random() < 0.5 else f"{likes} likes", "Reply"]
    if f == "inline_actions":
        return [
            rng.choice([f"{likes} Likes · Reply · Share", "Reply · Share · Report", f"Like ({likes}) Reply"])
        ]
    if f == "votes":
        return [str(likes), str(rng.randint(0, 50))] if rng.random() < 0.5 else [f"▲ {likes} ▼"]
    if f == "report":
        return ["Report"]
    return []


def _comment_paragraphs(rng: random.Random, text: str, style: dict) -> list[str]:
    lines = [" ".join(line.split())[:MAX_BLOCK_CHARS] for line in re.split(r"\r\n|\r|\n", text)]
    lines = [line for line in lines if line]
    if style["bare"]:
        return [" ".join(lines)[:MAX_BLOCK_CHARS]] if lines else []
    if len(lines) == 1 and style["split_long"] and rng.random() < 0.3:
        sentences = re.split(r"(?<=[.!?])\s+", lines[0])
        if len(sentences) >= 4:
            cut = sorted(rng.sample(range(1, len(sentences)), min(2, len(sentences) - 1)))
            bounds = [0, *cut, len(sentences)]
            lines = [" ".join(sentences[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]
    return lines


def _pick_comments(
    rng: random.Random,
    conversations: list[list[dict]],
    threaded: list[dict],
    singles: list[dict] = (),
    n: int = 1,
) -> list[dict]:
    """n comments: mostly a contiguous run of one conversation (replies after parents), topped up at
    random from threaded comments and, for one in five, from stand-alone posts."""
    picked: list[dict] = []
    if conversations and rng.random() < 0.75:
        conv = rng.choice(conversations)
        start = rng.randrange(max(1, len(conv) - n + 1))
        picked = conv[start : start + n]
    while len(picked) < n and (threaded or singles):
        pool = singles if singles and (not threaded or rng.random() < 0.2) else threaded
        picked.append(rng.choice(pool))
    return picked


class _PageWriter:
    """Collects (line, label, comment index); lines are normalised so text_blocks reproduces them."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.labels: list[str] = []
        self.index: list[int | None] = []

    def add(self, lines: Iterable[str], label: str, index: int | None = None) -> None:
        for line in lines:
            line = " ".join(line.split())[:MAX_BLOCK_CHARS].strip()
            if line:
                self.lines.append(line)
                self.labels.append(label)
                self.index.append(index)


def synthesize_pages(
    articles: list[dict],
    chrome_lines: list[str] | list[list[str]],
    comments: list[dict],
    n: int,
    seed: int,
    split: str,
) -> list[LabeledPage]:
    """Synthetic text pages (one block per line, as a browser copy gives) with exact labels.

    A page is header chrome, a title and byline, the article paragraphs with modern chrome between
    them (video player, gallery, captions repeating article sentences, share bars, ads, related
    links), an optional comments header, reader comments in one per-page style (with or without
    author / time / reply chrome, multi-line or bare) and footer chrome. Some pages have no
    comments and some have only comments. Chrome is boilerplate; title and paragraphs are body;
    every line of comment k is 'comment' with comment_index k.

    Args:
        articles: {id, title, paragraphs, group} dicts of one split.
        chrome_lines: short boilerplate lines of real pages of the same split, in page order
            (a flat list, or one list per page).
        comments: {text, author?, thread_id?, group?} dicts of the same split, in thread order.
        n: number of pages.
        seed: the pages are a pure function of the inputs and the seed.
        split: "train" or "dev"; names the pages.

    Example:
        >>> arts = [{"id": "a", "title": "T", "paragraphs": ["One two three."], "group": "g"}]
        >>> page = synthesize_pages(arts, ["Home", "News"], [{"text": "Nice."}], 1, 0, "dev")[0]
        >>> len(page.blocks) == len(page.labels)
        True
    """
    rng = random.Random(f"modclf-synthetic-{seed}-{split}")
    if chrome_lines and not isinstance(chrome_lines[0], str):
        chrome = [line for page in chrome_lines for line in page]
    else:
        chrome = list(chrome_lines)
    comment_pool = [c for c in comments if (c.get("text") or "").strip()]
    by_conversation: dict[str, list[dict]] = defaultdict(list)
    for c in comment_pool:
        by_conversation[str(c.get("group") or c.get("article_id") or c.get("thread_id") or "")].append(c)
    conversations = [conv for conv in by_conversation.values() if len(conv) >= 3]
    threaded = [c for conv in conversations for c in conv]
    singles = [c for conv in by_conversation.values() if len(conv) < 3 for c in conv]
    by_source: dict[str, list[dict]] = defaultdict(list)
    for a in articles:
        by_source[str(a.get("id", "")).split("/", 1)[0]].append(a)
    sources = sorted(by_source)
    source_weights = [_ARTICLE_SOURCE_WEIGHTS.get(s, 0.1) for s in sources]
    titles = [a["title"] for a in articles if a.get("title")]
    authors = sorted({c["author"] for c in comment_pool if c.get("author")})
    pages = []
    for k in range(n):
        kind = rng.choices(["full", "article_only", "comments_only"], [0.72, 0.16, 0.12])[0]
        if not articles:
            kind = "comments_only"
        if not comment_pool:
            kind = "article_only"
        article = rng.choice(by_source[rng.choices(sources, source_weights)[0]]) if articles else None
        w = _PageWriter()
        w.add(_window(rng, chrome, rng.choice([0, rng.randint(1, 8), rng.randint(5, 30)])), "boilerplate")
        if kind != "comments_only" and article is not None:
            _write_article(rng, w, article, titles)
        elif article is not None and rng.random() < 0.5:
            w.add(
                [
                    rng.choice(["Comments on: ", "Discussion: ", "Reader comments: "])
                    + (article["title"] or "this story")
                ],
                "boilerplate",
            )
        if kind != "article_only" and comment_pool:
            n_comments = rng.choice([1, 2, rng.randint(2, 6), rng.randint(3, 15), rng.randint(10, 40)])
            style = _comment_style(rng)
            if rng.random() < 0.7:
                w.add(_comments_header(rng, n_comments), "boilerplate")
            own = by_conversation.get(article["group"]) if article is not None else None
            if own and kind == "full" and rng.random() < 0.8:
                start = rng.randrange(max(1, len(own) - n_comments + 1))
                picked = own[start : start + n_comments]
            else:
                picked = _pick_comments(rng, conversations, threaded, singles, n=n_comments)
            previous_author = ""
            for index, comment in enumerate(picked):
                author = comment.get("author") or (
                    rng.choice(authors) if authors and rng.random() < 0.5 else _handle(rng)
                )
                w.add(_comment_header(rng, style, author, index + 1), "boilerplate")
                if style["reply_marker"] and previous_author and rng.random() < 0.25:
                    w.add(
                        [
                            rng.choice(
                                [
                                    f"In reply to {previous_author}",
                                    f"Replying to {previous_author}",
                                    "Show parent",
                                ]
                            )
                        ],
                        "boilerplate",
                    )
                text = rng.choice(_SHORT_COMMENTS) if rng.random() < 0.06 else comment["text"]
                w.add(_comment_paragraphs(rng, text, style), "comment", index)
                w.add(_comment_footer(rng, style), "boilerplate")
                previous_author = author
            if rng.random() < 0.3:
                w.add(
                    [
                        rng.choice(
                            [
                                "Load more comments",
                                "Show more comments",
                                "View more replies",
                                "Comments are closed.",
                                f"Show {rng.randint(2, 60)} more comments",
                            ]
                        )
                    ],
                    "boilerplate",
                )
        if rng.random() < 0.7:
            w.add(_window(rng, chrome, rng.randint(1, 15)), "boilerplate")
        if rng.random() < 0.5:
            w.add(_footer_lines(rng), "boilerplate")
        pages.append(_finish_synthetic(k, split, w, article, kind))
    return pages


def _write_article(rng: random.Random, w: _PageWriter, article: dict, titles: list[str]) -> None:
    title = article.get("title") or ""
    paragraphs = list(article["paragraphs"])
    if len(paragraphs) > 40:
        start = rng.randrange(len(paragraphs) - 30)
        paragraphs = paragraphs[start : start + rng.randint(10, 40)]
    others = [t for t in titles if t != title]
    if rng.random() < 0.3:
        w.add([rng.choice(_SECTIONS)], "boilerplate")
    if title:
        w.add([title], "body")
    if rng.random() < 0.8:
        w.add(_byline_lines(rng), "boilerplate")
    if rng.random() < 0.3:
        w.add(_share_chrome(rng), "boilerplate")
    modern = rng.random() < 0.7  # a page with modern widgets between paragraphs
    for i, paragraph in enumerate(paragraphs):
        w.add([paragraph], "body")
        if not modern or i == len(paragraphs) - 1 or rng.random() > 0.25:
            continue
        widget = rng.choices(
            ["video", "gallery", "caption", "share", "ad", "related", "newsletter"], [3, 3, 3, 1, 2, 1, 1]
        )[0]
        if widget == "video":
            lines = _video_chrome(rng, title)
            cap = _caption(rng, paragraphs) if rng.random() < 0.5 else None
            w.add(
                ([cap] if cap else []) + lines if rng.random() < 0.5 else lines + ([cap] if cap else []),
                "boilerplate",
            )
        elif widget == "gallery":
            w.add(
                _gallery_chrome(rng, _caption(rng, paragraphs) if rng.random() < 0.7 else None), "boilerplate"
            )
        elif widget == "caption":
            cap = _caption(rng, paragraphs)
            w.add([cap] if cap else [], "boilerplate")
        elif widget == "share":
            w.add(_share_chrome(rng), "boilerplate")
        elif widget == "ad":
            w.add(_ad_chrome(rng), "boilerplate")
        elif widget == "related":
            w.add(_related_chrome(rng, others), "boilerplate")
        else:
            w.add(_newsletter_chrome(rng), "boilerplate")
    if rng.random() < 0.4:
        w.add(_share_chrome(rng), "boilerplate")
    if rng.random() < 0.4:
        w.add(_related_chrome(rng, others), "boilerplate")


def _finish_synthetic(k: int, split: str, w: _PageWriter, article: dict | None, kind: str) -> LabeledPage:
    raw = "\n".join(w.lines)
    blocks = text_blocks(raw)
    if [b.text for b in blocks] != w.lines:  # the writer normalises lines, so this cannot differ
        raise AssertionError(f"synthetic/{split}/{k}: blocks differ from written lines")
    n_comments = len({i for i in w.index if i is not None})
    group = article["group"] if article is not None and kind != "comments_only" else f"synthetic/{split}/{k}"
    return LabeledPage(
        id=f"synthetic/{split}/{k}",
        source="synthetic",
        group=group,
        format="text",
        blocks=blocks,
        labels=w.labels,
        comment_index=w.index,
        boundaries_known=True,
        raw=raw,
        gold_body="\n".join(t for t, lab in zip(w.lines, w.labels, strict=True) if lab == "body") or None,
        gold_comments="\n".join(t for t, lab in zip(w.lines, w.labels, strict=True) if lab == "comment")
        or None,
        meta={
            "kind": kind,
            "article": article["id"] if article else None,
            "n_comments": n_comments,
            "split": split,
        },
    )
