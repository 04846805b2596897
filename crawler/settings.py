"""Scrapy settings of the policywatch crawler: component wiring and polite defaults.

``crawler/runner.py`` layers the values from the validated TOML on top of these, at
``"project"`` priority, for one pass.
"""

BOT_NAME = "policywatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

DOWNLOADER_MIDDLEWARES = {
    # Before RobotsTxtMiddleware (100): never fetch even robots.txt from a private address.
    "crawler.middlewares.PrivateAddressMiddleware": 90,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.SharedRobotsTxtMiddleware": 100,
    # Next to the download handler, so it sees the size cap's cancellation first.
    "crawler.middlewares.PageSizeMiddleware": 950,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}
ITEM_PIPELINES = {
    "crawler.pipelines.SnapshotPipeline": 300,
}
# Crawler-owned settings (the runner fills them from the config).
POLICYWATCH_DATABASE_URL = None
POLICYWATCH_BLOBS_PATH = None
POLICYWATCH_ALLOW_PRIVATE_NETWORKS = False
POLICYWATCH_RETRY_BACKOFF = 1.0
POLICYWATCH_RETRY_MAX_WAIT = 60.0

# Politeness.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = False
USER_AGENT = "policywatch/0.1 (+https://github.com/policywatch/policywatch)"
COOKIES_ENABLED = False
REDIRECT_MAX_TIMES = 5
# Also caps the decompressed size (HttpCompressionMiddleware).
DOWNLOAD_MAXSIZE = 5_000_000
DOWNLOAD_WARNSIZE = 0
DOWNLOAD_TIMEOUT = 30
# A body shorter than its Content-Length is recorded as truncated, never stored.
DOWNLOAD_FAIL_ON_DATALOSS = True
RETRY_TIMES = 2
# Failed shops are data (recorded and reported in the pass summary), not log noise.
RETRY_GIVE_UP_LOG_LEVEL = "INFO"

# Every fetch must reach the callback: 304, 404 and 500 are outcomes, not errors to drop.
HTTPERROR_ALLOW_ALL = True
HTTPCACHE_ENABLED = False
# A response gives one item; Scrapy starts this many item tasks per response (default 100).
CONCURRENT_ITEMS = 1
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"
