# Schemathesis hooks for scripts/schemathesis.sh. A generated `model` is almost always a random string, which
# the server rightly answers 404 model_not_found before any sampling parameter is used; replace ids that are
# valid strings with the served one, so the fuzzed temperature / top_p / seed / stop / penalties reach the
# engine. Ids that break the schema (wrong type, too long) are kept: those are negative cases.
import os

import schemathesis

SERVED = os.environ["ST_SERVED_MODEL"]


def _serve(item):
    if isinstance(item, dict):
        for field in ("model", "model_name"):
            value = item.get(field)
            if isinstance(value, str) and 1 <= len(value) <= 256:
                item[field] = SERVED
    return item


@schemathesis.hook
def map_body(context, body):
    if isinstance(body, list):
        return [_serve(item) for item in body]
    return _serve(body)
