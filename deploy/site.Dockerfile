# The public site as a container image: the build folder, served read-only by
# Datasette (the database immutable, as `datasette build/` opens it). The
# image carries the database: make a new one after each build, e.g. with
# OUTCOMES_DEPLOY="docker build -f deploy/site.Dockerfile -t outcomes-site . && ..."
#
#   python publish.py
#   docker build -f deploy/site.Dockerfile -t outcomes-site .
#   docker run --rm -p 8001:8001 outcomes-site
#
# The versions are those of constraints.txt (tests/test_deploy_recipe.py checks them).
FROM python:3.11-slim
RUN pip install --no-cache-dir \
    datasette==0.65.5 snowballstemmer==3.1.1 tzdata==2026.6 PyYAML==6.0.4 \
    markdown-it-py==4.3.0 mdurl==0.1.2 bleach==6.4.0 webencodings==0.6.1 \
    datasette-atom==0.9 datasette-sitemap==1.0 datasette-block-robots==1.1.1
# build/ without its hidden files (lock, build state, the snapshots of a
# running outcomes serve): see site.Dockerfile.dockerignore.
COPY build/ /site/
USER nobody
EXPOSE 8001
# Every absolute link is made from public_url (outcomes/site/metadata.yaml);
# set OUTCOMES_PUBLIC_URL to serve under another address.
CMD ["datasette", "serve", "/site", "--host", "0.0.0.0", "--port", "8001"]
