# The build stage's base (scripts/image/build.sh): the runtime base plus npm and this machine's CA bundle, so
# that `npm ci` can reach the registry through a TLS-intercepting proxy. Only inference/Dockerfile's build
# stage runs on it; the runtime image starts again from the runtime base.
ARG BASE
FROM ${BASE}
COPY npm /usr/local/lib/node_modules/npm
COPY build-ca.crt /etc/ssl/certs/build-ca.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
    && npm --version
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/build-ca.crt \
    npm_config_cafile=/etc/ssl/certs/build-ca.crt \
    npm_config_update_notifier=false
