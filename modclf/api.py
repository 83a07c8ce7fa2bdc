"""The one inference object users, the CLI and the batch engine all go through."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import torch

from modclf.encode import PRECISIONS, choose_precision, resolve_precision  # noqa: F401  (PRECISIONS: public since 0.1.0)
from modclf.errors import InputError, ModelLoadError
from modclf.model import ModClfModel, load_model, save_model
from modclf.pages import read_page
from modclf.score import Score, check_comments, embed_articles, score_comments
from modclf.segment import Page, segment_page

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "modclf-base"
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"  # in a git checkout
PACKAGED_MODELS_DIR = Path(__file__).resolve().parent / "released"  # in an installed wheel


def default_model_path() -> Path:
    """$MODCLF_MODEL if set, else the released model: the checkout's models/ folder, else the copy
    inside the installed package."""
    if os.environ.get("MODCLF_MODEL"):
        return Path(os.environ["MODCLF_MODEL"])
    checkout = MODELS_DIR / DEFAULT_MODEL_NAME
    return checkout if checkout.is_dir() else PACKAGED_MODELS_DIR / DEFAULT_MODEL_NAME


def _measured_precision(folder: Path | None) -> dict | None:
    """The `precision` results the release gate stored in a model folder's metrics.json, if any."""
    if folder is None:
        return None
    try:
        return json.loads((Path(folder) / "metrics.json").read_text(encoding="utf-8")).get("precision")
    except (OSError, ValueError, AttributeError):
        return None


class ModClf:
    """Segment scraped news pages and score their reader comments.

    Example:
        >>> clf = ModClf.from_pretrained()
        >>> page = clf.segment(open("page.txt").read())
        >>> [c.text for c in page.comments]
    """

    def __init__(self, model: ModClfModel, tokenizer, path: Path | None = None, precision: str = "auto"):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.path = path
        if precision == "auto":
            # The fastest precision on this CPU that the model folder measured within tolerance.
            self.precision, self.precision_reason = choose_precision(_measured_precision(path))
        else:
            self.precision, self.precision_reason = resolve_precision(precision), "asked for"
        logger.debug("precision %s: %s", self.precision, self.precision_reason)

    @property
    def config(self):
        return self.model.config

    @property
    def model_id(self) -> str:
        """Name and version of the model, stamped on every output record."""
        return f"{self.config.name}@{self.config.version}"

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike | None = None, precision: str = "auto") -> ModClf:
        """Load a model folder (default: the released model, see default_model_path)."""
        folder = Path(path) if path is not None else default_model_path()
        if not folder.exists():
            raise ModelLoadError(
                f"model folder {folder} does not exist; pass the path of a model folder "
                "or set MODCLF_MODEL"
            )
        model, tokenizer = load_model(folder)
        return cls(model, tokenizer, path=folder, precision=precision)

    def save_pretrained(self, path: str | os.PathLike) -> None:
        """Write a self-describing model folder (fp16 safetensors, tokenizer, config)."""
        save_model(self.model, self.tokenizer, path)

    def segment(self, page: str | bytes | list, fmt: str = "auto") -> Page | list[Page]:
        """Label every line of a page as body, boilerplate or comment and split the comments.

        Args:
            page: the page as plain text (one block per line) or HTML, as str or bytes; or a list
                of pages, which gives a list of Page.
            fmt: "auto" (detect), "text" or "html".

        Returns:
            Page with .lines, .body and .comments (or a list of them for a list input).

        Example:
            >>> page = clf.segment("Headline\\nThe article.\\nReply\\nGreat story!")
            >>> page.lines[3].label
            'comment'
        """
        if isinstance(page, list):
            return [self.segment(p, fmt) for p in page]
        if not isinstance(page, (str, bytes)):
            raise InputError(f"segment() takes str, bytes or a list of them, got {type(page).__name__}")
        with torch.inference_mode():
            return segment_page(self.model, self.tokenizer, read_page(page, fmt), self.precision)

    def embed_articles(self, articles: list[str]) -> torch.Tensor:
        """Article embeddings for off-topic scoring; compute once per article and reuse."""
        return embed_articles(self.model, self.tokenizer, articles, self.precision)

    def score_embedded(
        self, comments: list[str], article_embeddings: list[torch.Tensor | None], spans: bool = False
    ) -> list[Score]:
        """Score comments against already embedded articles (one entry per comment, None: no article)."""
        check_comments(comments)
        if len(article_embeddings) != len(comments):
            raise InputError(f"{len(comments)} comments but {len(article_embeddings)} article embeddings")
        if not comments:
            return []
        with torch.inference_mode():
            return score_comments(self.model, self.tokenizer, comments, article_embeddings, self.precision, spans)

    def score(
        self, comments: str | list[str], article: str | None = None, spans: bool = False
    ) -> Score | list[Score]:
        """Calibrated incitement and off-topic probabilities for comments of one article.

        The article is encoded once for all comments. Without an article, off_topic is None.

        Args:
            comments: one comment or a list of comments.
            article: the article text the comments belong to (e.g. page.body), or None.
            spans: also score each sentence for incitement (Score.spans: begin, end, incitement).

        Returns:
            A Score (.incitement, .off_topic) per comment; a single Score for a single comment.

        Example:
            >>> page = clf.segment(html)
            >>> scores = clf.score([c.text for c in page.comments], article=page.body)
        """
        single = isinstance(comments, str)
        items = [comments] if single else list(comments)
        if article is not None and not isinstance(article, str):
            raise InputError(f"article must be a string or None, got {type(article).__name__}")
        check_comments(items)
        article_emb = None
        if article is not None and article.strip() and items:
            article_emb = self.embed_articles([article])[0]
        scores = self.score_embedded(items, [article_emb] * len(items), spans=spans)
        return scores[0] if single else scores

    def moderate(
        self, comments: str | list[str], article: str | None = None, policy=None, spans: bool = False
    ) -> Score | list[Score]:
        """score(), with the moderation policy's decision on each comment (Score.decision, .reasons).

        Args:
            policy: a modclf.policy.Policy, or a path to a policy YAML; default: the model folder's
                policy.yaml (written by `modclf calibrate`), else the default policy.

        Example:
            >>> clf.moderate("I will find you.").decision
            'review'
        """
        from modclf.policy import Policy

        if not isinstance(policy, Policy):
            policy = Policy.load(policy, model_dir=self.path)
        result = self.score(comments, article=article, spans=spans)
        for score in [result] if isinstance(result, Score) else result:
            score.decision, score.reasons = policy.decide(score)
        return result
