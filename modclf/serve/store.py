"""The service's SQLite database: registered articles, moderator feedback, comments kept on request.

One file, so that a restart keeps what was registered and what moderators decided. Every table is
bounded: articles and kept comments drop their oldest rows, feedback refuses new rows when full.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, url TEXT, text TEXT NOT NULL, updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_url ON articles (url);
CREATE INDEX IF NOT EXISTS articles_updated ON articles (updated);
CREATE TABLE IF NOT EXISTS feedback (
    n INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL, text TEXT NOT NULL, article_id TEXT,
    article TEXT, attribute TEXT NOT NULL, value REAL NOT NULL, client_token TEXT, community_id TEXT
);
CREATE TABLE IF NOT EXISTS comments (
    n INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL, text TEXT NOT NULL, article_id TEXT,
    scores TEXT NOT NULL, model TEXT NOT NULL, client_token TEXT
);
"""

# Feedback attribute -> label column of a label file (docs/label_files.md).
FEEDBACK_LABELS = {"INCITEMENT": "incitement", "OFF_TOPIC": "off_topic"}


class StoreFull(Exception):
    """A bounded table that refuses new rows is full."""


class Store:
    """Thread-safe access to the database (one connection, serialised: every statement is tiny)."""

    def __init__(self, path: str | Path, max_articles: int = 100_000, max_feedback: int = 1_000_000,
                 max_comments: int = 100_000):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.max_articles, self.max_feedback, self.max_comments = max_articles, max_feedback, max_comments
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, params=()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _count(self, table: str) -> int:
        return self._run(f"SELECT COUNT(*) FROM {table}")[0][0]

    # articles -----------------------------------------------------------------------------------

    def put_article(self, article_id: str, text: str, url: str | None = None) -> bool:
        """Insert or replace an article; True if it was new. The oldest are dropped beyond the bound."""
        with self._lock:
            new = self._db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is None
            self._db.execute(
                "INSERT OR REPLACE INTO articles (id, url, text, updated) VALUES (?, ?, ?, ?)",
                (article_id, url, text, time.time()),
            )
            excess = self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] - self.max_articles
            if excess > 0:
                self._db.execute(
                    "DELETE FROM articles WHERE id IN (SELECT id FROM articles ORDER BY updated LIMIT ?)", (excess,)
                )
        return new

    def get_article(self, article_id: str) -> dict | None:
        rows = self._run("SELECT id, url, text, updated FROM articles WHERE id = ?", (article_id,))
        return dict(zip(("id", "url", "text", "updated"), rows[0])) if rows else None

    def find_article(self, article_id: str | None = None, url: str | None = None) -> dict | None:
        """An article by id, else by url (Coral's story id or url)."""
        if article_id:
            found = self.get_article(article_id)
            if found is not None:
                return found
        if url:
            rows = self._run("SELECT id FROM articles WHERE url = ? ORDER BY updated DESC LIMIT 1", (url,))
            if rows:
                return self.get_article(rows[0][0])
        return None

    def delete_article(self, article_id: str) -> bool:
        with self._lock:
            return self._db.execute("DELETE FROM articles WHERE id = ?", (article_id,)).rowcount > 0

    def article_count(self) -> int:
        return self._count("articles")

    # feedback -----------------------------------------------------------------------------------

    def add_feedback(self, text: str, attribute: str, value: float, article_id: str | None = None,
                     article: str | None = None, client_token: str | None = None,
                     community_id: str | None = None) -> None:
        with self._lock:
            if self._db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] >= self.max_feedback:
                raise StoreFull(f"the feedback table holds {self.max_feedback:,} rows (max_feedback); export and "
                                "archive it, then raise the limit")
            self._db.execute(
                "INSERT INTO feedback (created, text, article_id, article, attribute, value, client_token, "
                "community_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), text, article_id, article, attribute, value, client_token, community_id),
            )

    def feedback_count(self) -> int:
        return self._count("feedback")

    def label_rows(self):
        """Feedback as label-file rows, one per comment (text and article), the latest value per label.

        Yields {id, text, article?, group?, incitement?, off_topic?}: the columns `modclf train
        --label_files` reads. Rows of one article share a group, so they never straddle train and dev.
        """
        rows = self._run(
            "SELECT n, text, article_id, article, attribute, value FROM feedback ORDER BY n"
        )
        merged: dict[tuple, dict] = {}
        for n, text, article_id, article, attribute, value in rows:
            key = (text, article_id, article)
            row = merged.pop(key, None) or {"text": text}
            row["id"] = f"feedback-{n}"
            if article:
                row["article"] = article
            if article_id:
                row["group"] = f"article:{article_id}"
            row[FEEDBACK_LABELS[attribute]] = value
            merged[key] = row  # re-inserted: rows come out in the order of their latest feedback
        yield from merged.values()

    # comments kept on request (doNotStore: false) -------------------------------------------------

    def keep_comment(self, text: str, scores: dict, model: str, article_id: str | None = None,
                     client_token: str | None = None) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO comments (created, text, article_id, scores, model, client_token) VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), text, article_id, json.dumps(scores), model, client_token),
            )
            excess = self._db.execute("SELECT COUNT(*) FROM comments").fetchone()[0] - self.max_comments
            if excess > 0:
                self._db.execute("DELETE FROM comments WHERE n IN (SELECT n FROM comments ORDER BY n LIMIT ?)", (excess,))

    def comment_count(self) -> int:
        return self._count("comments")
