"""The moderation service, started for real: uvicorn on a free loopback port, a tiny model, httpx."""

from __future__ import annotations

import concurrent.futures
import hashlib
import hmac
import json
import threading
import time

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")

from modclf.policy import Policy  # noqa: E402
from modclf.serve import create_app  # noqa: E402
from modclf.serve.config import ServeConfig  # noqa: E402

KEY = "test-key"
SECRET = "empsec_0123"
# Thresholds low enough that a tiny random model's scores cross them in a predictable way.
POLICY = Policy.from_mapping({"incitement": {"review": 0.0, "remove": 1.0}, "off_topic": {"review": None, "remove": None}})


class Server:
    """uvicorn serving an app on 127.0.0.1:<free port> in a thread, stopped like SIGTERM would."""

    def __init__(self, app):
        self.config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="on")
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            assert time.time() < deadline, "server did not start"
            assert self.thread.is_alive(), "server thread died"
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(30)


def _config(tmp_path, **kw) -> ServeConfig:
    return ServeConfig(database=str(tmp_path / "serve.sqlite3"), **kw)


@pytest.fixture
def server(tiny_clf, tmp_path):
    config = _config(tmp_path, api_keys=[KEY], coral_signing_secrets=[SECRET], max_body_bytes=20_000)
    with Server(create_app(config, tiny_clf, POLICY)) as running:
        running.db = config.database
        yield running


def _post(server, path, body, key=KEY, **kw):
    params = {"key": key} if key else {}
    return httpx.post(server.url + path, json=body, params=params, timeout=30, **kw)


def test_native_score_matches_the_library_and_carries_decisions(server, tiny_clf):
    body = {"comments": [{"id": "a", "text": "You will pay for this."},
                         {"id": 7, "comment": "Nice article.", "article": "The council met today."}],
            "spans": True}
    r = _post(server, "/v1/score", body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["model"] == tiny_clf.model_id
    a, b = out["results"]
    assert (a["id"], b["id"]) == ("a", 7)
    assert a["off_topic"] is None and b["off_topic"] is not None
    expected = tiny_clf.score("Nice article.", article="The council met today.")
    assert b["incitement"] == pytest.approx(expected.incitement, abs=1e-5)
    assert b["off_topic"] == pytest.approx(expected.off_topic, abs=1e-5)
    assert a["decision"] == "review" and a["reasons"] == ["incitement"]
    assert [s["begin"] for s in a["spans"]] == [0]
    assert r.headers["x-request-id"]


def test_articles_are_registered_used_and_deleted(server, tiny_clf):
    r = httpx.put(server.url + "/v1/articles/a1", json={"text": "The council met today.", "url": "https://x/a1"},
                  params={"key": KEY})
    assert r.status_code == 201 and r.json()["created"] is True
    assert httpx.put(server.url + "/v1/articles/a1", json={"text": "The council met today."},
                     params={"key": KEY}).status_code == 200
    r = _post(server, "/v1/score", {"comments": [{"comment": "Nice article.", "article_id": "a1"}]})
    expected = tiny_clf.score("Nice article.", article="The council met today.")
    assert r.json()["results"][0]["off_topic"] == pytest.approx(expected.off_topic, abs=1e-5)
    assert r.json()["results"][0]["article_id"] == "a1"
    assert httpx.delete(server.url + "/v1/articles/a1", params={"key": KEY}).status_code == 204
    r = _post(server, "/v1/score", {"comments": [{"comment": "Nice article.", "article_id": "a1"}]})
    assert r.status_code == 404 and "PUT /v1/articles/a1" in r.json()["error"]["message"]


def test_segment_endpoint_scores_the_comments(server):
    r = _post(server, "/v1/segment", {"id": "p", "page": "Headline\nThe article.\nReply\nGreat story!"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert [line["text"] for line in out["lines"]] == ["Headline", "The article.", "Reply", "Great story!"]
    assert len(out["scores"]) == len(out["comments"])


def test_perspective_analyze(server):
    body = {"comment": {"text": "I will find you. Then you will see."}, "languages": ["en"],
            "requestedAttributes": {"INCITEMENT": {}, "OFF_TOPIC": {}}, "spanAnnotations": True,
            "clientToken": "t1", "doNotStore": True}
    r = _post(server, "/v1alpha1/comments:analyze", body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["clientToken"] == "t1"
    assert set(out["attributeScores"]) == {"INCITEMENT"}  # no article context: OFF_TOPIC absent
    spans = out["attributeScores"]["INCITEMENT"]["spanScores"]
    assert [(s["begin"], s["end"]) for s in spans] == [(0, 16), (17, 35)]
    value = out["attributeScores"]["INCITEMENT"]["summaryScore"]["value"]
    body["context"] = {"entries": [{"text": "The council met today."}]}
    body["requestedAttributes"] = {"INCITEMENT": {"scoreThreshold": value + 1e-3}, "OFF_TOPIC": {}}
    out = _post(server, "/v1alpha1/comments:analyze", body).json()
    assert set(out["attributeScores"]) == {"OFF_TOPIC"}  # INCITEMENT under its threshold


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}, 400, "Unknown requested attribute: TOXICITY"),
        ({"comment": {"text": "  "}, "requestedAttributes": {"INCITEMENT": {}}}, 400, "Comment must be non-empty."),
        ({"comment": {"text": "hi"}}, 400, "Missing requested_attributes"),
        ({"comment": {"text": "hi"}, "requestedAttributes": {"INCITEMENT": {}}, "languages": ["de"]}, 400,
         "does not support request languages: de"),
        ({"comment": {"text": 5}, "requestedAttributes": {"INCITEMENT": {}}}, 400, "expected a string"),
        ([1, 2], 400, "expected an object"),
    ],
)
def test_perspective_errors_have_googles_form(server, body, code, message):
    r = _post(server, "/v1alpha1/comments:analyze", body)
    assert r.status_code == code
    error = r.json()["error"]
    assert error["code"] == code and error["status"] == "INVALID_ARGUMENT" and message in error["message"]


def test_malformed_json_wrong_types_and_auth(server):
    r = httpx.post(server.url + "/v1alpha1/comments:analyze", content=b"{not json", params={"key": KEY})
    assert r.status_code == 400 and "Invalid JSON" in r.json()["error"]["message"]
    r = _post(server, "/v1/score", {"comments": [{"comment": 3}]})
    assert r.status_code == 400 and "comments.0.comment" in r.json()["error"]["message"]
    r = _post(server, "/v1/score", {"comments": [{"comment": ""}]})
    assert r.status_code == 400 and "empty comment" in r.json()["error"]["message"]
    for key in (None, "wrong"):
        r = _post(server, "/v1/score", {"comments": [{"comment": "hi"}]}, key=key)
        assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"
    r = httpx.post(server.url + "/v1/score", json={"comments": [{"comment": "hi"}]},
                   headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200
    assert httpx.get(server.url + "/healthz").status_code == 200  # open without a key
    assert httpx.get(server.url + "/readyz").json()["status"] == "ready"


def test_oversize_bodies_are_refused_while_reading(server):
    big = {"comments": [{"comment": "x" * 30_000}]}
    r = _post(server, "/v1/score", big)
    assert r.status_code == 413 and "limit" in r.json()["error"]["message"]

    def chunks():  # no Content-Length: the limit must hold on a streamed body too
        for _ in range(40):
            yield b"x" * 1000

    r = httpx.post(server.url + "/v1/score", content=chunks(), params={"key": KEY},
                   headers={"content-type": "application/json"})
    assert r.status_code == 413


def _coral_body(text: str, story: dict) -> bytes:
    body = {"action": "NEW", "comment": {"body": f"<p>{text}</p>", "parentID": None},
            "author": {"id": "u1", "role": "COMMENTER"}, "story": story, "site": {"id": "s"},
            "tenantID": "t", "tenantDomain": "localhost"}
    return json.dumps(body, indent=2).encode()


def _sign(raw: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def test_coral_moderation_phase(server):
    raw = _coral_body("You will pay for this.", {"id": "story-1", "url": "https://x/1"})
    # Signed with an old and the current secret, as during a rotation.
    headers = {"X-Coral-Signature": f"{_sign(raw, 'old')},{_sign(raw, SECRET)}", "content-type": "application/json"}
    r = httpx.post(server.url + "/coral/v1/moderate", content=raw, headers=headers)
    assert r.status_code == 200, r.text
    # The test policy reviews everything: a FLAG and pre-moderation.
    assert r.json() == {"actions": [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}], "status": "SYSTEM_WITHHELD"}
    for signature in (None, _sign(raw, "wrong"), _sign(raw + b" ", SECRET)):
        bad = {"content-type": "application/json", **({"X-Coral-Signature": signature} if signature else {})}
        r = httpx.post(server.url + "/coral/v1/moderate", content=raw, headers=bad)
        assert r.status_code == 401, signature


def test_feedback_export_and_retraining_close_the_loop(server, tiny_clf, tmp_path):
    for i, (text, value) in enumerate([("Burn their houses down.", 1), ("Lovely weather today.", 0)] * 15):
        body = {"comment": {"text": f"{text} {i}"}, "attributeScores": {"INCITEMENT": {"summaryScore": {"value": value}}},
                "languages": ["en"], "communityId": "Coral:x", "clientToken": f"comment:{i}"}
        r = _post(server, "/v1alpha1/comments:suggestscore", body)
        assert r.status_code == 200 and r.json() == {"clientToken": f"comment:{i}"}
    bad = {"comment": {"text": "x"}, "attributeScores": {"INCITEMENT": {"summaryScore": {"value": 3}}}}
    assert _post(server, "/v1alpha1/comments:suggestscore", bad).status_code == 400
    from modclf.cli import main

    labels = tmp_path / "labels.jsonl"
    assert main(["feedback", "export", "--database", server.db, "-o", str(labels)]) == 0
    rows = [json.loads(line) for line in labels.read_text().splitlines()]
    assert len(rows) == 30 and rows[0]["incitement"] == 1.0 and rows[1]["incitement"] == 0.0
    # ...and the label file retrains the model: modclf train --label_files, as the docs say.
    from modclf import ModClf
    from modclf.training.train import TrainConfig, train

    tiny_clf.save_pretrained(tmp_path / "init")
    config = TrainConfig(init=str(tmp_path / "init"), output_dir=str(tmp_path / "run"), tasks=["scoring"],
                         label_files=[str(labels)], builtin_scoring_sources=False, scoring_epochs=1, scoring_batch=8)
    retrained = ModClf.from_pretrained(train(config))
    text = "Burn their houses down."
    assert retrained.score(text).incitement != pytest.approx(tiny_clf.score(text).incitement, abs=1e-6)


def test_queue_full_gives_429_with_retry_after(tiny_clf, tmp_path):
    config = _config(tmp_path, max_queue_comments=2)
    app = create_app(config, tiny_clf, POLICY)
    with Server(app) as running:
        body = {"comments": [{"comment": f"comment number {i} " * 20} for i in range(2)]}

        def call(_):
            return httpx.post(running.url + "/v1/score", json=body, timeout=60)

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            responses = list(pool.map(call, range(48)))
        codes = {r.status_code for r in responses}
        assert codes == {200, 429}
        full = next(r for r in responses if r.status_code == 429)
        assert int(full.headers["retry-after"]) >= 1 and full.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
        metrics = httpx.get(running.url + "/metrics").text
        assert 'modclf_rejects_total{reason="queue_full"}' in metrics
        assert "modclf_batch_comments_bucket" in metrics


def test_open_server_refuses_a_public_address(tmp_path):
    from modclf.errors import ConfigError
    from modclf.serve.config import load_serve_config

    with pytest.raises(ConfigError, match="without API keys"):
        load_serve_config(None, {"host": "0.0.0.0", "database": str(tmp_path / "x.sqlite3")})


def test_shipped_serve_config_loads_and_secrets_come_from_the_environment(monkeypatch):
    from conftest import REPO

    from modclf.serve.config import load_serve_config

    monkeypatch.setenv("MODCLF_API_KEYS", "k1, k2")
    monkeypatch.setenv("MODCLF_CORAL_SIGNING_SECRETS", "s1")
    config = load_serve_config(REPO / "configs" / "serve.yaml", {"port": 9000})
    assert (config.port, config.api_keys, config.coral_signing_secrets) == (9000, ["k1", "k2"], ["s1"])
    assert not config.open


def test_requests_beyond_the_in_flight_limit_get_429_before_their_body_is_read(tiny_clf, tmp_path):
    app = create_app(_config(tmp_path, max_in_flight=1), tiny_clf, POLICY)
    with Server(app) as running:
        body = {"comments": [{"comment": f"comment number {i} " * 30} for i in range(8)]}
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            codes = {r.status_code for r in pool.map(
                lambda _: httpx.post(running.url + "/v1/score", json=body, timeout=60), range(36))}
        assert codes == {200, 429}
        assert httpx.get(running.url + "/healthz").status_code == 200  # never limited
        assert 'modclf_rejects_total{reason="in_flight"}' in httpx.get(running.url + "/metrics").text


def test_article_from_a_page_get_and_comments_kept_only_when_asked(server):
    r = httpx.put(server.url + "/v1/articles/p1", params={"key": KEY},
                  json={"page": "Headline\nThe article text.\nReply\nGreat story!", "url": "https://x/p1"})
    assert r.status_code == 201, r.text
    got = httpx.get(server.url + "/v1/articles/p1", params={"key": KEY}).json()
    assert got["url"] == "https://x/p1" and got["text"].strip()
    assert httpx.get(server.url + "/v1/articles/nope", params={"key": KEY}).status_code == 404
    body = {"comment": {"text": "Keep me."}, "requestedAttributes": {"INCITEMENT": {}}}
    from modclf.serve.store import Store

    _post(server, "/v1alpha1/comments:analyze", body)  # doNotStore absent: nothing kept
    _post(server, "/v1alpha1/comments:analyze", {**body, "doNotStore": True})
    assert Store(server.db).comment_count() == 0
    _post(server, "/v1alpha1/comments:analyze", {**body, "doNotStore": False})
    assert Store(server.db).comment_count() == 1


def test_slow_requests_get_504(tiny_clf, tmp_path):
    with Server(create_app(_config(tmp_path, request_timeout_s=1e-4), tiny_clf, POLICY)) as running:
        r = httpx.post(running.url + "/v1/score", json={"comments": [{"comment": "slow " * 200}]}, timeout=30)
        assert r.status_code == 504 and r.json()["error"]["status"] == "DEADLINE_EXCEEDED"


def test_shutdown_finishes_requests_in_flight(tiny_clf, tmp_path, monkeypatch):
    import modclf.serve.batcher as batcher

    def slow_score(*args, **kwargs):
        time.sleep(1.0)
        return original(*args, **kwargs)

    original = batcher.score_comments
    monkeypatch.setattr(batcher, "score_comments", slow_score)
    running = Server(create_app(_config(tmp_path), tiny_clf, POLICY)).__enter__()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        started = time.perf_counter()
        future = pool.submit(httpx.post, running.url + "/v1/score", json={"comments": [{"comment": "hi"}]}, timeout=60)
        time.sleep(0.3)  # the request is being scored
        running.server.should_exit = True  # what SIGTERM does
        response = future.result()
    running.thread.join(30)
    assert response.status_code == 200 and time.perf_counter() - started >= 1.0
    assert not running.thread.is_alive()


def test_cli_refuses_a_public_address_without_keys_before_loading_the_model(capsys, monkeypatch):
    from modclf.cli import main

    monkeypatch.delenv("MODCLF_API_KEYS", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--model", "/does/not/exist"]) == 1
    assert "without API keys" in capsys.readouterr().err


def test_a_model_folder_s_own_policy_is_served_when_none_is_given(tiny_model_dir, tmp_path):
    """A folder written by `modclf calibrate` carries the thresholds of its scale in policy.yaml."""
    import shutil

    from modclf import ModClf

    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "policy.yaml").write_text("incitement: {review: 0.0, remove: 0.0}\noff_topic: {review: null, remove: null}\n")
    clf = ModClf.from_pretrained(folder, precision="fp32")
    with Server(create_app(_config(tmp_path, api_keys=[KEY]), clf)) as running:
        r = _post(running, "/v1/score", {"comments": [{"id": "a", "text": "Nice article."}]})
    assert r.status_code == 200, r.text
    assert [(x["decision"], x["reasons"]) for x in r.json()["results"]] == [("remove", ["incitement"])]
