#!/usr/bin/env python
"""FAQ mining benchmark: how fast questions are clustered, and how pure the clusters are
(docs/suggestions.md).

    RAPPORT_DATA_DIR=/tmp/faqbench .venv/bin/python bench/faq_mine.py [--questions 5000]

Builds N synthetic customer questions in Russian, Chinese and English from 30 topics (10 per
language), each asked in several wordings with random extra words (order numbers, greetings,
products), shuffled with a fixed seed, and clusters them through
`rapport.suggest.actions.cluster_questions` — the job's own code: tokens, IDF, centroids,
database writes of the clusters — in one transaction per 500. Prints questions/s, the number
of clusters, purity (share of questions in a cluster whose majority topic is theirs) and how
many clusters the biggest topic was split into. Migrates the database in RAPPORT_DATA_DIR
first (an empty one is fine); deletes the clusters it made at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from rapport.suggest.actions import cluster_questions  # noqa: E402
from rapport.suggest.models import FaqCluster  # noqa: E402

TOPICS = {
    "en": {
        "return": ["How do I return an item?", "Can I return the item I bought?",
                   "I would like to return this item, how?", "Is it possible to return items?"],
        "password": ["How do I reset my password?", "I forgot my password, how to reset it?",
                     "Password reset does not work, what now?"],
        "cancel": ["Can I cancel my order?", "How do I cancel an order?",
                   "I want to cancel the order, is that possible?"],
        "delivery": ["When will my parcel be delivered?",
                     "How long does delivery of the parcel take?", "Parcel delivery time?"],
        "invoice": ["Where can I download the invoice?", "Can you send me an invoice?",
                    "I need an invoice for my purchase, where is it?"],
        "address": ["How do I change the delivery address?", "Can I change my address?",
                    "Wrong address in the order, can I change it?"],
        "discount": ["Does the discount code work on sale items?",
                     "My discount code is not accepted?", "Why does the discount code fail?"],
        "warranty": ["Is the warranty valid abroad?", "How long is the warranty?",
                     "Does the warranty cover a broken screen?"],
        "payment": ["Can I pay by bank transfer?", "Which payment methods do you accept?",
                    "Is payment by transfer possible?"],
        "account": ["How do I delete my account?", "Please delete my account, how?",
                    "Can I remove my account and data?"],
    },
    "ru": {
        "return": ["Как вернуть товар?", "Можно ли вернуть купленный товар?",
                   "Хочу вернуть товары, как это сделать?"],
        "password": ["Как сменить пароль?", "Забыл пароль, как его сменить?",
                     "Не получается сменить пароль, что делать?"],
        "cancel": ["Как отменить заказ?", "Можно ли отменить заказ?", "Хочу отменить заказ, как?"],
        "delivery": ["Сколько идёт доставка посылки?", "Когда доставят посылку?",
                     "Какой срок доставки посылки?"],
        "invoice": ["Где скачать счёт?", "Пришлите, пожалуйста, счёт на оплату?",
                    "Нужен счёт для бухгалтерии, где его взять?"],
        "address": ["Как изменить адрес доставки?", "Можно ли изменить адрес?",
                    "Ошибся в адресе, как изменить?"],
        "discount": ["Почему не работает промокод?", "Промокод не принимается, что делать?",
                     "Действует ли промокод на товары со скидкой?"],
        "warranty": ["Какой срок гарантии?", "Гарантия распространяется на разбитый экран?",
                     "Как воспользоваться гарантией?"],
        "payment": ["Можно ли оплатить переводом?", "Какие способы оплаты есть?",
                    "Оплата банковским переводом возможна?"],
        "account": ["Как удалить аккаунт?", "Удалите мой аккаунт, как это сделать?",
                    "Можно ли удалить аккаунт и данные?"],
    },
    "zh": {
        "return": ["怎么退货？", "我想退货，怎么办？", "这个能退货吗？"],
        "password": ["怎么修改密码？", "密码忘了怎么修改？", "修改密码失败怎么办？"],
        "cancel": ["怎么取消订单？", "订单可以取消吗？", "我想取消订单"],
        "delivery": ["快递几天能到？", "快递什么时候送到？", "快递要多久？"],
        "invoice": ["怎么开发票？", "可以开发票吗？", "发票在哪里下载？"],
        "address": ["怎么修改收货地址？", "收货地址写错了能改吗？", "可以修改地址吗？"],
        "discount": ["优惠券为什么用不了？", "优惠券无法使用怎么办？", "优惠券过期了吗？"],
        "warranty": ["保修期多长？", "屏幕碎了保修吗？", "国外能保修吗？"],
        "payment": ["可以用支付宝付款吗？", "支持哪些付款方式？", "能用银行卡付款吗？"],
        "account": ["怎么注销账号？", "请帮我注销账号", "账号注销后数据会删除吗？"],
    },
}  # fmt: skip
EXTRA = {
    "en": ["Hello!", "Thanks.", "Order 48213.", "It is urgent.", "", "", ""],
    "ru": ["Здравствуйте!", "Спасибо.", "Заказ 48213.", "Срочно.", "", "", ""],
    "zh": ["你好！", "谢谢。", "订单号48213。", "很急。", "", "", ""],
}


def questions(n: int, seed: int = 7) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    keys = [(lang, topic) for lang, topics in TOPICS.items() for topic in topics]
    out = []
    for _i in range(n):
        lang, topic = rng.choice(keys)
        text = rng.choice(TOPICS[lang][topic])
        before, after = rng.choice(EXTRA[lang]), rng.choice(EXTRA[lang])
        out.append((f"{before} {text} {after}".strip(), lang, f"{lang}:{topic}"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=5000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    FaqCluster.objects.all().delete()
    data = questions(args.questions)
    cluster_of: list[int | None] = []
    started = time.perf_counter()
    for i in range(0, len(data), 500):
        chunk = data[i : i + 500]
        with transaction.atomic():
            found = cluster_questions([(text, lang) for text, lang, _t in chunk])
        cluster_of += [c.pk if c else None for c in found]
    took = time.perf_counter() - started

    members: dict[int, Counter] = defaultdict(Counter)
    for cluster, (_text, _lang, topic) in zip(cluster_of, data, strict=True):
        if cluster is not None:
            members[cluster][topic] += 1
    placed = sum(sum(c.values()) for c in members.values())
    pure = sum(c.most_common(1)[0][1] for c in members.values())
    split = Counter(c.most_common(1)[0][0] for c in members.values())
    load = os.getloadavg()
    print(f"database: {connection.vendor}; load average {load[0]:.2f} {load[1]:.2f}")
    print(f"{len(data)} questions clustered in {took:.2f} s: {len(data) / took:,.0f} questions/s")
    print(f"{len(members)} clusters for 30 topics; {len(data) - placed} without topic words")
    splits = ", ".join(f"{topic} {n}" for topic, n in split.most_common(5) if n > 1)
    print(f"purity {pure / placed:.3f}; topics in more than one cluster: {splits or 'none'}")
    FaqCluster.objects.all().delete()


if __name__ == "__main__":
    main()
