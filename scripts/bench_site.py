#!/usr/bin/env python3
"""Generate a deterministic static site for the crawl benchmark.

    python3 scripts/bench_site.py DIR [--pages N] [--seed S]

writes DIR/index.html and DIR/p/0.html .. DIR/p/{N-1}.html. Each page is a
realistic-looking blog post or forum thread (header nav, title, byline with
a date, 5-8 paragraphs of English and some Chinese filler, a sidebar and a
footer), about 8-12 KB, linking to about 5 other pages (/p/K.html): the
next page (i+1) and four chosen with a seeded random generator. index.html
links to the first 20 pages and to an "archive" sample of the rest, so the
whole site is reachable from it in a few hops. Only links under /p/ lead to
pages that exist; the nav and footer links (/, /about.html, ...) are there
for realism and are not followed by the benchmark crawlers.

The output depends only on N and the seed: the same arguments always give
byte-identical files. Standard library only.
"""

import argparse
import html
import os
import random
import sys

LINKS_PER_PAGE = 5  # i+1 plus four random others
MIN_BYTES = 8 * 1024
MAX_BYTES = 12 * 1024

EN_WORDS = (
    "the a this that our my their every some battery screen camera update "
    "firmware charger cable lamp desk light review phone tablet laptop "
    "keyboard speaker price shipping warranty support store customer order "
    "week month morning evening night colour brightness setting mode app "
    "account problem issue fix design build quality sound signal network "
    "wifi bluetooth button case glass metal plastic box manual version "
    "model series brand team forum thread post reply comment photo video"
).split()
EN_VERBS = (
    "works feels looks lasts drains charges breaks crashes improves "
    "beats disappoints surprises annoys helps supports replaces fixes "
    "handles keeps stays gets needs misses shows changes"
).split()
EN_ADJ = (
    "great solid cheap expensive bright dim fast slow loud quiet heavy light "
    "reliable flaky decent excellent terrible average sturdy fragile smooth "
    "clunky warm cold sharp blurry stable noisy"
).split()
EN_ADV = (
    "really quite barely mostly honestly finally still already often "
    "rarely suddenly clearly slightly surprisingly"
).split()
EN_OPENERS = (
    "After two weeks of daily use,", "To be fair,", "On the other hand,",
    "Compared with the previous model,", "In my experience,", "Update:",
    "For what it is worth,", "Long story short,", "As several people said above,",
    "Out of the box,", "Since the last firmware update,", "Overall,",
)
ZH_CHUNKS = (
    "用了两个星期", "电池续航", "屏幕亮度", "拍照效果", "系统更新以后",
    "客服态度", "物流速度", "做工质量", "性价比", "手感", "发热问题",
    "充电速度", "信号不太稳定", "外观设计", "说实话", "总的来说", "和上一代相比",
    "论坛里很多人", "售后服务", "价格", "声音", "蓝牙连接", "夜间模式",
    "真的不错", "有点失望", "还可以接受", "比预期好", "需要改进", "值得购买",
    "朋友推荐", "官方商城", "第一次", "每天通勤", "办公室", "周末",
)
ZH_PUNCT = ("，", "，", "，", "。", "；", "、")
NAMES = (
    "lightfan", "desk_owl", "mobile_mike", "晴天小猪", "老王", "anna.k",
    "techgrump", "云游客", "pixelpusher", "夜猫子", "jjchen", "reviewer42",
    "墨墨", "sam_h", "lamp_lover", "路人甲",
)
TOPICS = (
    "Battery life after the latest update", "Is the new desk lamp worth it?",
    "Camera comparison thread", "Shipping delays this month",
    "Firmware 2.3 changelog discussion", "Long-term review: six months in",
    "Screen flicker at low brightness", "Best accessories for the new model",
    "Customer support experience", "Unboxing and first impressions",
    "Bluetooth pairing problems", "Which colour did you pick?",
    "新版本系统体验", "续航到底怎么样", "售后维修经历分享", "拍照样张合集",
    "这个价格值不值", "开箱晒单", "充电发热问题讨论", "一年使用报告",
)
CATEGORIES = ("Phones", "Lighting", "Accessories", "Deals", "手机", "灯具", "数码", "讨论区")


def en_sentence(rng):
    n = rng.randint(8, 18)
    words = [rng.choice(EN_WORDS) for _ in range(n)]
    words.insert(rng.randint(1, 3), rng.choice(EN_VERBS))
    words.insert(rng.randint(0, len(words)), rng.choice(EN_ADV))
    words.insert(rng.randint(0, len(words)), rng.choice(EN_ADJ))
    s = " ".join(words)
    if rng.random() < 0.35:
        s = rng.choice(EN_OPENERS) + " " + s
    else:
        s = s[0].upper() + s[1:]
    return s + rng.choice((".", ".", ".", "!", "?"))


def zh_sentence(rng):
    parts = []
    for _ in range(rng.randint(4, 9)):
        parts.append(rng.choice(ZH_CHUNKS))
        parts.append(rng.choice(ZH_PUNCT))
    parts[-1] = rng.choice(("。", "！", "？", "。"))
    return "".join(parts)


def paragraph(rng, zh):
    if zh:
        return "".join(zh_sentence(rng) for _ in range(rng.randint(6, 11)))
    return " ".join(en_sentence(rng) for _ in range(rng.randint(6, 12)))


def date_for(rng, i):
    # Deterministic dates spread over 2025, newest pages first.
    day = 365 - (i * 7) % 365
    month, mday = 1, day
    for m, dim in enumerate((31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), 1):
        if mday <= dim:
            month = m
            break
        mday -= dim
    return "2025-%02d-%02dT%02d:%02d:00+08:00" % (month, mday, rng.randint(0, 23), rng.randint(0, 59))


def targets_for(i, pages, rng):
    out = []
    if i + 1 < pages:
        out.append(i + 1)
    tries = 0
    while len(out) < LINKS_PER_PAGE and tries < 50 and pages > 1:
        tries += 1
        k = rng.randrange(pages)
        if k != i and k not in out:
            out.append(k)
    return out


HEADER = """<header class="site-header">
  <a class="logo" href="/">Gadget Talk 数码论坛</a>
  <nav><ul>
    <li><a href="/">Home</a></li><li><a href="/forum/">Forum</a></li>
    <li><a href="/reviews/">Reviews</a></li><li><a href="/deals/">Deals</a></li>
    <li><a href="/about.html">About</a></li><li><a href="/login.html">登录</a></li>
  </ul></nav>
  <form class="search" action="/search" method="get"><input name="q" placeholder="Search / 搜索"><button>Go</button></form>
</header>"""

FOOTER = """<footer class="site-footer">
  <p>&copy; 2026 Gadget Talk. All opinions are the authors' own. 本站内容仅代表作者个人观点。</p>
  <ul><li><a href="/about.html">About</a></li><li><a href="/privacy.html">Privacy</a></li>
  <li><a href="/terms.html">Terms</a></li><li><a href="/contact.html">Contact 联系我们</a></li></ul>
</footer>"""


def render_page(i, pages, seed):
    rng = random.Random("%d:%d" % (seed, i))
    links = targets_for(i, pages, rng)
    title = "%s #%d" % (rng.choice(TOPICS), i)
    forum = i % 3 == 0  # every third page is a forum thread, the rest blog posts
    cat = rng.choice(CATEGORIES)
    author = rng.choice(NAMES)
    when = date_for(rng, i)
    target = rng.randint(MIN_BYTES + 512, MAX_BYTES - 1536)

    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>%s - Gadget Talk</title>\n"
        '<meta name="description" content="%s">\n'
        '<link rel="stylesheet" href="/static/site.css">\n</head>\n<body>\n'
        % (html.escape(title), html.escape(en_sentence(rng)))
    )
    crumbs = (
        '<div class="breadcrumb"><a href="/">Home</a> &rsaquo; <a href="/c/%d/">%s</a> &rsaquo; %s</div>\n'
        % (CATEGORIES.index(cat), html.escape(cat), html.escape(title))
    )

    related = "".join(
        '    <li><a href="/p/%d.html">%s #%d</a></li>\n' % (k, html.escape(rng.choice(TOPICS)), k)
        for k in links
    )
    sidebar = (
        '<aside class="sidebar">\n  <h3>Related 相关文章</h3>\n  <ul>\n%s  </ul>\n'
        '  <h3>Tags</h3>\n  <p class="tags">%s</p>\n'
        '  <div class="ad">Sponsored: spring sale on accessories 配件春季促销</div>\n</aside>\n'
        % (related, " ".join('<a href="/tag/%s">%s</a>' % (w, w) for w in rng.sample(EN_WORDS, 6)))
    )
    nav = '<nav class="pager">%s%s</nav>\n' % (
        '<a rel="prev" href="/p/%d.html">&laquo; Previous</a> ' % (i - 1) if i > 0 else "",
        '<a rel="next" href="/p/%d.html">Next &raquo;</a>' % (i + 1) if i + 1 < pages else "",
    )
    tail = sidebar + FOOTER + "\n</body>\n</html>\n"

    body = []
    size = len((head + HEADER + crumbs + nav + tail).encode("utf-8")) + 200
    if forum:
        body.append('<main class="thread">\n<h1 class="thread-title">%s</h1>\n' % html.escape(title))
    else:
        body.append(
            '<main class="post">\n<article>\n<h1 class="entry-title">%s</h1>\n'
            '<div class="byline">by <span class="author">%s</span> on <time datetime="%s">%s</time> in %s</div>\n'
            '<div class="entry-content">\n' % (html.escape(title), html.escape(author), when, when[:10], html.escape(cat))
        )
    size += sum(len(s.encode("utf-8")) for s in body)
    n_paras = 0
    floor = 1
    # 5-8 paragraphs (forum threads: posts), more only if the page is still
    # under the size it was given (8-12 KB).
    want = rng.randint(5, 8)
    while n_paras < want or (size < target and n_paras < 20):
        zh = rng.random() < 0.3
        p = paragraph(rng, zh)
        if forum:
            who = rng.choice(NAMES)
            block = (
                '<div class="post" id="post-%d"><div class="author">%s</div>'
                '<div class="floor">#%d</div><time datetime="%s">%s</time>\n'
                '<p lang="%s">%s</p></div>\n'
                % (floor, html.escape(who), floor, when, when[:10], "zh" if zh else "en", html.escape(p))
            )
            floor += 1
        else:
            block = '<p%s>%s</p>\n' % (' lang="zh"' if zh else "", html.escape(p))
        if n_paras >= 5 and size + len(block.encode("utf-8")) > MAX_BYTES - 64:
            break
        body.append(block)
        size += len(block.encode("utf-8"))
        n_paras += 1
    if forum:
        body.append("</main>\n")
    else:
        body.append('</div>\n<p class="tags">See also: <a href="/p/%d.html">more on this</a></p>\n</article>\n</main>\n' % links[-1] if links else "</div>\n</article>\n</main>\n")
    return head + HEADER + "\n" + crumbs + "".join(body) + nav + tail


def render_index(pages, seed):
    rng = random.Random("%d:index" % seed)
    first = min(pages, 20)
    recent = "".join('    <li><a href="/p/%d.html">%s #%d</a></li>\n' % (k, html.escape(rng.choice(TOPICS)), k) for k in range(first))
    step = max(1, pages // 100)
    archive = "".join('<a href="/p/%d.html">%d</a> ' % (k, k) for k in range(first, pages, step))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Gadget Talk - home</title>\n</head>\n<body>\n%s\n"
        '<main class="home">\n<h1>Latest posts 最新帖子</h1>\n<ul class="recent">\n%s</ul>\n'
        '<h2>Archive</h2>\n<p class="archive">%s</p>\n</main>\n%s\n</body>\n</html>\n'
        % (HEADER, recent, archive, FOOTER)
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", help="output directory (created if missing)")
    ap.add_argument("--pages", type=int, default=3000, help="number of pages under /p/ (default 3000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = ap.parse_args(argv)
    if args.pages < 1:
        ap.error("--pages must be at least 1")

    pdir = os.path.join(args.dir, "p")
    os.makedirs(pdir, exist_ok=True)
    total = 0
    for i in range(args.pages):
        data = render_page(i, args.pages, args.seed).encode("utf-8")
        total += len(data)
        with open(os.path.join(pdir, "%d.html" % i), "wb") as f:
            f.write(data)
    data = render_index(args.pages, args.seed).encode("utf-8")
    total += len(data)
    with open(os.path.join(args.dir, "index.html"), "wb") as f:
        f.write(data)
    print(
        "bench_site: %d pages + index.html in %s (%.1f MB, %.1f KB/page on average)"
        % (args.pages, args.dir, total / 1e6, total / (args.pages + 1) / 1024),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
