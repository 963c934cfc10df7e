FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY application ./application
COPY infrastructure ./infrastructure
COPY api ./api
RUN pip install --no-cache-dir .
RUN useradd --system --uid 10001 youthcare
USER youthcare
EXPOSE 8000
# As `make run`: on PostgreSQL one uvicorn worker process a core (YOUTHCARE_WORKERS) and, unless
# YOUTHCARE_PROJECTOR=off, the projector in a process of its own; SIGTERM stops them all within 10 s.
CMD ["python", "-m", "api.serve", "--host", "0.0.0.0", "--port", "8000", "--grace", "10"]
