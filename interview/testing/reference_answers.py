"""Answers and reference answers shared by the CLI and API tests of scoring against a reference."""

REF_QUESTION = "How would you speed up a slow product catalogue page that many customers load every day?"
CACHE_ANSWER = ("First I would measure where the time goes. Then I would put a Redis cache in front of the database, keyed by "
                "product id, with a five minute expiry and invalidation on every product update, because most reads repeat. "
                "The trade-off is some stale data, so I would monitor the hit rate.")
STATIC_ANSWER = ("First I would measure where the time goes. Then I would render the pages to static HTML files on the Cloudflare "
                 "CDN, rebuilt every five minutes and purged for each changed listing after an import, because most pages rarely "
                 "change. The trade-off is slower publishing, so I would monitor the build time.")
CACHE_REFERENCE = "Add a Redis cache in front of the database keyed by product id, with a short expiry and invalidation whenever a product is updated."
STATIC_REFERENCE = "Render the pages to static HTML on a CDN, rebuild them nightly and purge the changed listings after each import."
