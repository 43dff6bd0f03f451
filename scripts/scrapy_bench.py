#!/usr/bin/env python3
"""Crawl the benchmark site with Scrapy and report how fast it went.

    scripts/.venv-scrapy/bin/python scripts/scrapy_bench.py http://127.0.0.1:PORT/index.html

A minimal spider run with CrawlerProcess: it starts at the given URL,
follows every same-host link whose path starts with /p/ (Scrapy's default
duplicate filter drops pages already seen), and for each page extracts the
title and the paragraph text, a little parsing work like earshot's
extraction. Politeness is off (no robots.txt, no delay, no autothrottle) and
16 requests may be in flight, as in scripts/bench-crawl.sh's earshot config:
this measures engine overhead on loopback, not a setting for real sites.

The last line on stdout is

    pages=N seconds=S failed=F

N pages parsed (2xx answers, the start page included), S seconds from
spider open to spider close, F requests that got no 2xx answer.
"""

import argparse
import re
import sys
import time
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess

FOLLOW = re.compile(r"^/p/")


class BenchSpider(scrapy.Spider):
    name = "bench"

    def __init__(self, start_url, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start_url]
        self.host = urlsplit(start_url).netloc
        self.pages = 0
        self.text_chars = 0
        self.t_open = None
        self.t_close = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_open, signal=signals.spider_opened)
        crawler.signals.connect(spider.on_close, signal=signals.spider_closed)
        return spider

    def on_open(self, spider):
        self.t_open = time.perf_counter()

    def on_close(self, spider, reason):
        self.t_close = time.perf_counter()

    def parse(self, response):
        self.pages += 1
        title = response.css("title::text").get(default="").strip()
        body = " ".join(t.strip() for t in response.css("p ::text").getall())
        self.text_chars += len(title) + len(body)
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            parts = urlsplit(url)
            if parts.netloc == self.host and FOLLOW.match(parts.path):
                yield scrapy.Request(url, callback=self.parse)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Scrapy side of scripts/bench-crawl.sh")
    ap.add_argument("start_url")
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args(argv)

    settings = {
        "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS": args.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "HTTPCACHE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "USER_AGENT": "scrapy-bench (+https://github.com/earshot-dev/earshot)",
    }
    major_minor = tuple(int(x) for x in scrapy.__version__.split(".")[:2])
    if major_minor < (2, 12):
        # Silences a deprecation warning on older Scrapy; the default since 2.12.
        settings["REQUEST_FINGERPRINTER_IMPLEMENTATION"] = "2.7"

    process = CrawlerProcess(settings=settings)
    crawler = process.create_crawler(BenchSpider)
    process.crawl(crawler, start_url=args.start_url)
    process.start()

    spider = crawler.spider
    stats = crawler.stats.get_stats()
    seconds = (spider.t_close or time.perf_counter()) - (spider.t_open or 0.0)
    responses = stats.get("downloader/response_count", 0)
    ok = sum(v for k, v in stats.items() if re.fullmatch(r"downloader/response_status_count/2\d\d", k))
    failed = (responses - ok) + stats.get("downloader/exception_count", 0)
    print(
        "scrapy %s: %d requests, %d responses, %d duplicates filtered, %d text chars extracted"
        % (
            scrapy.__version__,
            stats.get("downloader/request_count", 0),
            responses,
            stats.get("dupefilter/filtered", 0),
            spider.text_chars,
        ),
        file=sys.stderr,
    )
    print("pages=%d seconds=%.3f failed=%d" % (spider.pages, seconds, failed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
