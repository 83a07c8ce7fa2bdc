"""`modclf serve`: a self-hosted moderation service (native API, Perspective- and Coral-compatible).

Needs the serve extra: pip install 'modclf[serve]'. See docs/serve.md.

Example:
    >>> from modclf.serve import ServeConfig, create_app
    >>> app = create_app(ServeConfig(database="serve.sqlite3"), ModClf.from_pretrained())  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import sys

from modclf.errors import ConfigError
from modclf.serve.config import ServeConfig, load_serve_config

logger = logging.getLogger("modclf.serve")

__all__ = ["ServeConfig", "create_app", "export_feedback", "load_serve_config", "serve"]


def create_app(config: ServeConfig, clf, policy=None):
    from modclf.serve.app import create_app as _create_app

    return _create_app(config, clf, policy)


def serve(config: ServeConfig) -> None:
    """Load the model once and serve until SIGINT/SIGTERM (in-flight requests are finished first)."""
    try:
        import uvicorn
    except ImportError as exc:
        raise ConfigError("modclf serve needs the serve extra: pip install 'modclf[serve]'") from exc
    import torch

    from modclf.api import ModClf, default_model_path
    from modclf.batch.engine import physical_cores
    from modclf.policy import Policy

    torch.set_num_threads(config.threads or physical_cores())
    policy = Policy.load(config.policy, model_dir=config.model or default_model_path())
    clf = ModClf.from_pretrained(config.model, precision=config.precision)
    app = create_app(config, clf, policy)
    logger.info("listening on http://%s:%d (API docs at /docs)", config.host, config.port)
    uvicorn.run(app, host=config.host, port=config.port, log_config=None, access_log=False,
                timeout_graceful_shutdown=int(config.request_timeout_s) + 5, timeout_keep_alive=30)
    logger.info("stopped")


def export_feedback(database: str, output: str) -> int:
    """Write moderator feedback as a label file (JSON Lines) for `modclf train --label_files`; rows written."""
    from pathlib import Path

    from modclf.serve.store import Store

    if not Path(database).is_file():
        raise ConfigError(f"database {database} does not exist (the `database` setting of modclf serve)")
    store = Store(database)
    try:
        if not store.feedback_count():
            raise ConfigError(f"{database} holds no moderator feedback yet (POST /v1alpha1/comments:suggestscore)")
        stream = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")
        n = 0
        try:
            for row in store.label_rows():
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
        finally:
            if stream is not sys.stdout:
                stream.close()
    finally:
        store.close()
    return n
