"""The service's settings: a small YAML file (configs/serve.yaml) read into a dataclass."""

from __future__ import annotations

import dataclasses
import os

from modclf.config import load_config
from modclf.errors import ConfigError

LOOPBACK = ("127.0.0.1", "::1", "localhost")
# Secrets may come from the environment rather than a file (comma-separated).
ENV_API_KEYS = "MODCLF_API_KEYS"
ENV_CORAL_SECRETS = "MODCLF_CORAL_SIGNING_SECRETS"


@dataclasses.dataclass
class ServeConfig:
    """Settings of `modclf serve`; every field has a default that is safe on one machine."""

    host: str = "127.0.0.1"
    port: int = 8080
    model: str | None = None  # model folder; None = $MODCLF_MODEL or the released model
    policy: str | None = None  # moderation policy YAML; None = the model folder's policy.yaml, else the default
    precision: str = "auto"
    threads: int = 0  # torch threads; 0 = physical cores
    database: str = "modclf-serve.sqlite3"  # articles, moderator feedback, comments kept on request
    api_keys: list[str] = dataclasses.field(default_factory=list)
    coral_signing_secrets: list[str] = dataclasses.field(default_factory=list)
    max_body_bytes: int = 1_000_000
    max_comments_per_request: int = 256
    max_queue_comments: int = 512  # comments waiting for the model; more (or a wait over request_timeout_s / 2) get 429
    max_in_flight: int = 512  # requests being handled at once; more get 429 before their body is read
    batch_tokens: int = 16384  # estimated tokens per micro-batch
    request_timeout_s: float = 10.0
    max_articles: int = 100_000  # oldest-updated articles are dropped beyond this
    max_article_chars: int = 200_000
    max_feedback: int = 1_000_000  # feedback is refused (429) when the table is full
    max_stored_comments: int = 100_000  # doNotStore: false comments; oldest dropped beyond this
    log_text: bool = False  # put comment text in the access log (off: logs carry no user text)
    coral_review: str = "withhold"  # Coral answer for `review`: withhold (pre-moderate) or flag (publish, report)

    def __post_init__(self):
        if self.coral_review not in ("withhold", "flag"):
            raise ConfigError(f"coral_review must be 'withhold' or 'flag', got {self.coral_review!r}")
        for name in ("port", "max_body_bytes", "max_comments_per_request", "max_queue_comments", "max_in_flight", "batch_tokens",
                     "max_articles", "max_article_chars", "max_feedback", "max_stored_comments"):
            if getattr(self, name) < (0 if name == "port" else 1):
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        if self.request_timeout_s <= 0:
            raise ConfigError(f"request_timeout_s must be positive, got {self.request_timeout_s}")

    @property
    def open(self) -> bool:
        """True when no API key is configured: then only loopback clients may reach the server."""
        return not self.api_keys


def load_serve_config(path: str | None = None, overrides: dict | None = None) -> ServeConfig:
    """The config file (or defaults), then command-line values, then secrets from the environment."""
    config = load_config(ServeConfig, path)
    for name, value in (overrides or {}).items():
        if value is not None:
            setattr(config, name, value)
    for env, name in ((ENV_API_KEYS, "api_keys"), (ENV_CORAL_SECRETS, "coral_signing_secrets")):
        extra = [item.strip() for item in os.environ.get(env, "").split(",") if item.strip()]
        setattr(config, name, list(getattr(config, name)) + extra)
    config.__post_init__()
    if config.open and config.host not in LOOPBACK:
        raise ConfigError(
            f"refusing to listen on {config.host} without API keys: set api_keys in the config or "
            f"${ENV_API_KEYS}, or listen on 127.0.0.1"
        )
    return config
