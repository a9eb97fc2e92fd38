"""The crawler stage: follow outlets from a sources file, fetch politely, extract articles.

    sources.py      load_sources(): the validated sources file
    discovery.py    feeds / sitemaps / robots.txt -> article URLs (hardened XML parsing)
    spiders/news.py the Scrapy spider: discovery -> article pages -> Article items
    extract/        extract_article(): body, title, authors, dates, canonical URL, ...
    middlewares.py  address guard, incremental fetching, conditional GET, back-off, throttle
    netguard.py     private/loopback/link-local refusal (literal IPs, redirects, DNS answers)
    store.py        what is remembered between runs (SQLite, or Redis when distributed)
    settings.py     Scrapy settings derived from newsagg settings and the sources
    pipelines.py    the one hand-off: workers.handoff.submit_article
    run.py          run_crawl(): one crawl in a child process; cli.py: `newsagg crawl`
"""
