# Prose: one message per line reads better than wrapped fragments.
# ruff: noqa: E501
"""What the demo desk's customers write and its agents answer, in Russian, Chinese and English.

The desk belongs to "Lumen Home", a fictional online shop for small home appliances that ships
to Russia, China and the UK. Every scenario has, per language:

    subject   the subject of the first message (e-mail, web form, phone/desk call log, API)
    open      the customer's first message (variants)
    follow    the customer's second message, answering the agent or chasing
    ask       the agent's first reply: apology, acknowledgement, a question
    resolve   the agent's reply that settles it
    note      an internal note (never seen by the customer)
    summary   the ticket's "current state / next step"

Placeholders, filled per ticket: {order} {product} {amount} {track} {num} {agent}, {past} (a
day before the ticket) and {date} (a day after it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

RU, ZH, EN = "ru", "zh-hans", "en"
LANGUAGES = (RU, ZH, EN)


@dataclass(frozen=True)
class Scenario:
    key: str
    tags: tuple[str, ...]
    team: str = "support"  # support | billing | escalations
    priority: int = 2  # 1 low, 2 normal, 3 high, 4 urgent
    short: bool = False  # one message, one answer (thanks, a positive review)
    channels: tuple[str, ...] = ()  # restricts the channels it arrives by; empty = any
    internal: bool = False  # written by a colleague or a department (CH8)
    texts: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def _scenario(key, tags, ru, zh, en, **options) -> Scenario:
    def lists(parts: dict) -> dict[str, list[str]]:
        return {
            name: [value] if isinstance(value, str) else list(value)
            for name, value in parts.items()
        }

    return Scenario(
        key=key, tags=tuple(tags), texts={RU: lists(ru), ZH: lists(zh), EN: lists(en)}, **options
    )


SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in [
        _scenario(
            "late_delivery",
            ["delivery", "late"],
            ru=dict(
                subject=["Заказ {order} так и не доставили", "Где мой заказ {order}?"],
                open=[
                    "Здравствуйте. Заказ {order} оформлен две недели назад, в личном кабинете обещали доставку до {past}, но посылки до сих пор нет. Трек-номер {track} не обновлялся уже пять дней. Подскажите, пожалуйста, что происходит?",
                    "Добрый день! Заказ {order} ({product}) должен был приехать ещё {past}. Курьер не звонил, статус «передан в доставку» висит неделю. Когда ждать?",
                ],
                follow=[
                    "Спасибо за ответ. Адрес верный, дома бываю после 19:00. Если можно, пусть курьер позвонит заранее.",
                    "Прошло ещё три дня, посылки нет. Есть какие-то новости?",
                ],
                ask="Приносим извинения за задержку. Я запросила информацию у службы доставки по трек-номеру {track}. Подтвердите, пожалуйста, адрес доставки и удобное время — передам курьеру.",
                resolve="Посылка нашлась: её по ошибке отправили на сортировочный центр в другом городе. Сегодня её перенаправили, доставка запланирована на {date}, курьер позвонит за час. За неудобства мы начислили вам 500 бонусных баллов.",
                note="Служба доставки подтвердила пересорт на СЦ. Новый маршрут есть, проверить статус через 2 дня.",
                summary="Сейчас: посылка перенаправлена, доставка {date}. Дальше: проверить трек {track}; если не доставят — оформить повторную отправку.",
            ),
            zh=dict(
                subject=["订单 {order} 还没送到", "我的订单 {order} 到哪里了？"],
                open=[
                    "你好，我两周前下了订单 {order}，页面上显示预计 {past} 送达，但到现在还没收到。物流单号 {track} 已经五天没有更新了，请问是什么情况？",
                    "您好！我买的 {product}（订单号 {order}）本来应该 {past} 到，快递一直没联系我，物流状态一周都是“派送中”。请帮我查一下什么时候能到。",
                ],
                follow=[
                    "谢谢回复。地址没有问题，我晚上七点以后在家，麻烦快递员提前打个电话。",
                    "又过了三天，还是没收到，有新消息吗？",
                ],
                ask="非常抱歉让您久等了。我已经拿物流单号 {track} 向快递公司核实情况。麻烦您确认一下收货地址和方便收货的时间，我转告快递员。",
                resolve="包裹找到了：分拣中心误把它发到了其他城市，今天已经重新发出，预计 {date} 送达，快递员会提前一小时联系您。为表歉意，我们给您的账户补偿了 500 积分。",
                note="快递公司确认分拣错误，已重新发出。两天后再查一下物流。",
                summary="现状：包裹已重新发出，预计 {date} 送达。下一步：跟进单号 {track}，如仍未送达则安排补发。",
            ),
            en=dict(
                subject=["Order {order} still hasn't arrived", "Where is my order {order}?"],
                open=[
                    "Hello, I placed order {order} two weeks ago and the website promised delivery by {past}. Nothing has arrived and the tracking number {track} hasn't updated in five days. Could you tell me what's going on?",
                    "Hi, my {product} (order {order}) was due on {past}. No call from the courier, and tracking has said “out for delivery” for a week now. When can I expect it?",
                ],
                follow=[
                    "Thanks for getting back to me. The address is correct; I'm usually home after 7pm, so it would help if the driver could call ahead.",
                    "Another three days and still nothing. Any news?",
                ],
                ask="I'm sorry for the delay. I've asked the courier to trace parcel {track}. Could you please confirm your delivery address and a convenient time? I'll pass it on to the driver.",
                resolve="Good news: the parcel has been found. It had been sent to the wrong depot by mistake and has now been re-routed; delivery is booked for {date} and the driver will call an hour before. We've added 500 loyalty points to your account for the trouble.",
                note="Courier confirmed a mis-sort at the depot; re-routed. Check tracking again in 2 days.",
                summary="Now: parcel re-routed, delivery booked for {date}. Next: check tracking {track}; if it fails again, send a replacement.",
            ),
        ),
        _scenario(
            "wrong_item",
            ["delivery", "wrong-item"],
            ru=dict(
                subject="Прислали не тот товар (заказ {order})",
                open=[
                    "Здравствуйте! Сегодня пришёл заказ {order}, а в коробке вместо {product} лежит совсем другое — какой-то фен. Что мне теперь делать? Если нужно, пришлю фото.",
                    "Добрый вечер. В посылке по заказу {order} не тот цвет и не та модель, а заказ был на {product}. Как оформить обмен?",
                ],
                follow="Коробка цела, в пункт выдачи отнести могу в субботу. Правильный товар отправите сразу или после того, как получите возврат?",
                ask="Извините за ошибку при сборке заказа. Мы отправим правильный товар за наш счёт. Ошибочный можно сдать в любой пункт выдачи по коду возврата, который придёт в SMS. Вам так удобно?",
                resolve="Правильный {product} отправили сегодня, трек-номер {track}. Вернуть ошибочный товар по коду из SMS можно в течение 14 дней, это бесплатно. Ещё раз простите за путаницу.",
                note="Склад подтвердил пересорт: две соседние ячейки. Отправили замену, не дожидаясь возврата.",
                summary="Сейчас: замена отправлена ({track}), ждём возврат ошибочного товара. Дальше: проверить, что возврат пришёл на склад в течение 14 дней.",
            ),
            zh=dict(
                subject="发错货了（订单 {order}）",
                open=[
                    "你好！今天收到订单 {order}，打开一看根本不是我买的 {product}，而是一个吹风机。现在该怎么办？需要的话我可以拍照片给你们。",
                    "您好，订单 {order} 收到了，但是颜色和型号都不对。我买的是 {product}，请问怎么换货？",
                ],
                follow="包装盒我留着，周六可以送到快递点。正确的商品是马上发，还是要等你们收到退货以后再发？",
                ask="很抱歉，是仓库配货出错了。我们会免费给您补发正确的商品。发错的商品您可以凭短信里的退货码送到任意快递点，这样可以吗？",
                resolve="正确的 {product} 今天已经发出，单号 {track}。发错的商品请在 14 天内凭短信退货码寄回，运费由我们承担。给您添麻烦了，非常抱歉。",
                note="仓库确认是相邻货位拿错了。没等退货就先补发了。",
                summary="现状：已补发（{track}），等待错发商品退回。下一步：14 天内确认仓库收到退货。",
            ),
            en=dict(
                subject="Wrong item delivered (order {order})",
                open=[
                    "Hi, my order {order} arrived today but instead of the {product} the box has a hair dryer in it. What should I do? I can send photos if that helps.",
                    "Hello, I've opened the parcel for order {order} and it's the wrong model and the wrong colour. I ordered the {product}. How do I exchange it?",
                ],
                follow="I've kept the box and can drop it at a parcel shop on Saturday. Will you send the right one straight away or only once you get the return?",
                ask="Sorry about that, it was a picking error at our warehouse. We'll send the correct item at no cost. You can drop the wrong one at any parcel shop with the return code we'll text you. Does that work for you?",
                resolve="The correct {product} went out today, tracking {track}. Please return the wrong item with the code from the text message within 14 days; it's free. Apologies again for the mix-up.",
                note="Warehouse confirmed a mis-pick (two neighbouring bins). Sent the replacement without waiting for the return.",
                summary="Now: replacement sent ({track}), waiting for the wrong item to come back. Next: check the return reaches the warehouse within 14 days.",
            ),
        ),
        _scenario(
            "damaged",
            ["delivery", "damaged"],
            priority=3,
            ru=dict(
                subject="Товар пришёл разбитым",
                open=[
                    "Здравствуйте. Пришёл {product} по заказу {order} — коробка мятая, корпус треснул, внутри что-то гремит. Пользоваться нельзя. Хочу замену.",
                    "Курьер привёз посылку в порванной упаковке. При нём вскрывать не было времени, а дома оказалось, что {product} поцарапан и не включается. Заказ {order}.",
                ],
                follow="Фото отправлены на почту, там видно и коробку, и трещину. Замена устроит, деньги возвращать не нужно.",
                ask="Очень жаль, что так вышло. Пришлите, пожалуйста, 2–3 фотографии повреждений и упаковки — они нужны для претензии к службе доставки. Замену оформим сразу после этого.",
                resolve="Спасибо за фото. Новый {product} уже в пути, трек {track}. Повреждённый товар курьер заберёт при доставке — просто отдайте его в той же коробке.",
                note="Претензию перевозчику оформила, номер ПР-{num}. Замена за наш счёт.",
                summary="Сейчас: замена в пути ({track}), курьер заберёт повреждённый товар. Дальше: закрыть претензию к перевозчику после возврата.",
            ),
            zh=dict(
                subject="收到的商品是坏的",
                open=[
                    "你好，收到订单 {order} 的 {product}，外箱压扁了，机身有裂缝，里面有东西在响，根本没法用。我要求换新。",
                    "快递送来的时候包装就破了，我没当面拆，回家才发现 {product} 有划痕而且开不了机。订单号 {order}。",
                ],
                follow="照片已经发到你们邮箱了，外箱和裂缝都拍了。换新就可以，不用退款。",
                ask="非常抱歉发生这种情况。麻烦您拍 2–3 张商品损坏和外包装的照片发给我们，我们需要向物流公司索赔，收到照片后马上为您安排换新。",
                resolve="照片收到了，谢谢。新的 {product} 已经发出，单号 {track}。送新货时快递员会把坏的一起取走，请用原包装装好交给他即可。",
                note="已向物流公司提交索赔，索赔号 PR-{num}。换新费用由我们承担。",
                summary="现状：换新商品在途（{track}），快递员上门取回坏件。下一步：退件到仓后结案索赔。",
            ),
            en=dict(
                subject="Item arrived damaged",
                open=[
                    "Hello, the {product} from order {order} arrived today. The box is crushed, the casing is cracked and something rattles inside. It's unusable and I'd like a replacement.",
                    "The courier handed me a torn parcel. I didn't open it in front of him, but at home I found the {product} scratched and it won't switch on. Order {order}.",
                ],
                follow="I've emailed the photos, showing the box and the crack. A replacement is fine, no need for a refund.",
                ask="I'm really sorry it arrived like that. Could you send 2–3 photos of the damage and of the packaging? We need them for the claim with the courier, and we'll arrange the replacement as soon as we have them.",
                resolve="Thanks for the photos. A replacement {product} is on its way, tracking {track}. The driver will collect the damaged one when delivering, so just hand it over in the same box.",
                note="Claim filed with the carrier, ref PR-{num}. Replacement at our cost.",
                summary="Now: replacement in transit ({track}), driver collects the damaged unit. Next: close the carrier claim once the return is in.",
            ),
        ),
        _scenario(
            "broken_product",
            ["warranty", "defect"],
            ru=dict(
                subject=["{product} перестал работать", "Гарантийный случай"],
                open=[
                    "Добрый день. {product} куплен три месяца назад (заказ {order}). Вчера он перестал включаться: индикатор мигает красным, и всё. Перезагружал, держал кнопку 10 секунд — не помогает. Это гарантия?",
                    "Здравствуйте, у меня {product} начал жутко шуметь и через пару минут выключается. Гарантия ещё действует. Что делать?",
                ],
                follow="Сделано, как вы написали, — не помогло, индикатор всё так же мигает. Серийный номер LM-{num}.",
                ask="Спасибо, что написали. Попробуйте, пожалуйста, отключить устройство от сети на 5 минут, затем зажать кнопку питания на 15 секунд. Если не поможет — пришлите серийный номер с наклейки на дне, оформим гарантийный ремонт.",
                resolve="Оформили гарантийный ремонт. Курьер заберёт {product} {date} с 10 до 18, доставка в сервис и обратно бесплатная. Ремонт обычно занимает 7–10 дней; если починить нельзя, заменим на новый.",
                note="Похоже на известную проблему с платой питания у партии 2023 года. Если снова придёт — сразу на замену, без диагностики.",
                summary="Сейчас: гарантийный ремонт, курьер заберёт {date}. Дальше: проследить, что сервис вернёт устройство за 10 дней.",
            ),
            zh=dict(
                subject=["{product} 坏了", "申请保修"],
                open=[
                    "您好，我三个月前买的 {product}（订单 {order}），昨天突然开不了机，指示灯一直闪红灯。重启、长按电源 10 秒都没用。这个能保修吗？",
                    "你好，我的 {product} 最近声音特别大，开几分钟就自动关机。还在保修期内，请问怎么处理？",
                ],
                follow="按你说的试过了，没用，指示灯还是一直闪。序列号是 LM-{num}。",
                ask="感谢您的反馈。请先拔掉电源 5 分钟，然后长按电源键 15 秒再试一下。如果还是不行，请把机器底部标签上的序列号发给我，我们为您办理保修。",
                resolve="保修单已经办好。快递员会在 {date} 10:00–18:00 上门取件，往返运费全免。维修一般需要 7–10 天，如果修不好，我们直接给您换新机。",
                note="像是 2023 批次电源板的已知问题。如果再次出现，直接换新，不用检测。",
                summary="现状：保修维修中，{date} 上门取件。下一步：确认维修中心 10 天内寄回。",
            ),
            en=dict(
                subject=["My {product} has stopped working", "Warranty claim"],
                open=[
                    "Good afternoon. I bought a {product} three months ago (order {order}). Yesterday it stopped turning on: the light just blinks red. I've unplugged it and held the button for 10 seconds, no luck. Is this covered by the warranty?",
                    "Hi, my {product} has started making a horrible grinding noise and switches itself off after a couple of minutes. It's still under warranty. What do I do?",
                ],
                follow="Tried what you suggested, no change, the light still blinks. The serial number is LM-{num}.",
                ask="Thanks for letting us know. Could you unplug it for 5 minutes, then hold the power button for 15 seconds? If that doesn't help, please send me the serial number from the sticker underneath and we'll open a warranty repair.",
                resolve="Your warranty repair is booked. A courier will collect the {product} on {date} between 10am and 6pm; shipping both ways is free. Repairs usually take 7–10 days, and if it can't be fixed we'll replace it.",
                note="Looks like the known power board fault on the 2023 batch. If it comes back, replace straight away, no diagnostics.",
                summary="Now: warranty repair, collection on {date}. Next: make sure the service centre returns it within 10 days.",
            ),
        ),
        _scenario(
            "refund",
            ["refund"],
            team="billing",
            ru=dict(
                subject="Возврат денег за заказ {order}",
                open=[
                    "Здравствуйте. {product} сдан в пункт выдачи ещё {past}, прошло 12 дней, а деньги ({amount}) на карту так и не пришли. Когда будет возврат?",
                    "Добрый день! От заказа {order} отказались при получении. Сказали, что деньги вернутся в течение 3 дней, но прошла неделя. Помогите разобраться.",
                ],
                follow="Карта та же, что при оплате, последние цифры 4417. В банке говорят, что поступлений не было.",
                ask="Извините за задержку. Вижу, что возврат поступил на склад. Уточните, пожалуйста, последние 4 цифры карты, с которой вы оплачивали, — проверю статус платежа у банка-эквайера.",
                resolve="Проверил: возврат {amount} отправлен, номер операции RF-{num}. Банку обычно нужно до 5 рабочих дней, чтобы зачислить деньги. Если к концу недели не придут — напишите, подключим банк.",
                note="Возврат застрял в очереди платёжного шлюза, провёл вручную. Номер операции RF-{num}.",
                summary="Сейчас: возврат {amount} отправлен, ждём зачисления. Дальше: если через 5 рабочих дней денег нет — запрос в банк-эквайер.",
            ),
            zh=dict(
                subject="订单 {order} 退款问题",
                open=[
                    "你好，我 {past} 就把 {product} 退回快递点了，已经过了 12 天，{amount} 还没有退到我的卡上。请问什么时候能退款？",
                    "您好！订单 {order} 我当时拒收了，说 3 天内退款，结果一周了还没收到，请帮忙查一下。",
                ],
                follow="是付款时用的那张卡，尾号 4417。银行说没有看到任何入账。",
                ask="抱歉让您久等了。系统显示仓库已经收到退货。麻烦告诉我付款银行卡的后四位，我去支付渠道查一下退款状态。",
                resolve="查到了：{amount} 已原路退回，交易号 RF-{num}。银行入账一般需要 5 个工作日以内。如果本周末还没到账，请再联系我们，我们会和银行一起跟进。",
                note="退款卡在支付网关队列里，已手动推送。交易号 RF-{num}。",
                summary="现状：{amount} 已退回，等待银行入账。下一步：5 个工作日后仍未到账就联系收单银行。",
            ),
            en=dict(
                subject="Refund for order {order}",
                open=[
                    "Hello, I returned the {product} at the parcel shop on {past}. It's been 12 days and the {amount} still hasn't come back to my card. When will I get my refund?",
                    "Hi, I refused order {order} on delivery and was told the money would be back within 3 days. It's been a week. Can you look into it please?",
                ],
                follow="It's the same card I paid with, ending 4417. My bank says nothing has come in.",
                ask="Sorry for the wait. I can see the return has reached our warehouse. Could you give me the last four digits of the card you paid with? I'll check the payment status with our payment provider.",
                resolve="I've checked: the refund of {amount} has been sent, reference RF-{num}. Banks can take up to 5 working days to show it. If it hasn't arrived by the end of the week, let us know and we'll chase the bank.",
                note="Refund was stuck in the payment gateway queue; pushed it through manually. Ref RF-{num}.",
                summary="Now: refund of {amount} sent, waiting for the bank. Next: if it's not there in 5 working days, raise it with the acquirer.",
            ),
        ),
        _scenario(
            "double_charge",
            ["billing", "double-charge"],
            team="billing",
            priority=3,
            ru=dict(
                subject=["Списали деньги дважды!", "Двойное списание по заказу {order}"],
                open=[
                    "Здравствуйте! За заказ {order} с моей карты списали {amount} два раза, с разницей в минуту. В приложении банка видны обе операции. Верните, пожалуйста, лишнее, для меня это большие деньги.",
                    "Добрый день. При оплате страница зависла, пришлось нажать «Оплатить» ещё раз — и теперь у меня два списания по {amount}. Заказ при этом один, {order}.",
                ],
                follow="Скриншот из банка во вложении. Вторая операция в 14:32.",
                ask="Приносим извинения. Вижу две попытки оплаты по заказу {order}. Пришлите, пожалуйста, скриншот выписки из банка с обеими операциями — так мы быстрее отменим вторую.",
                resolve="Второе списание {amount} отменили, номер операции отмены CN-{num}. Обычно деньги возвращаются за 1–3 рабочих дня. Извините за неудобство — ошибку на странице оплаты уже исправляют.",
                note="Повторная оплата из-за таймаута на странице оплаты. Передал в разработку, задача PAY-{num}.",
                summary="Сейчас: вторая операция отменена, ждём возврата на карту. Дальше: убедиться, что PAY-{num} исправлена, и проверить похожие случаи за неделю.",
            ),
            zh=dict(
                subject=["被重复扣款了！", "订单 {order} 重复扣款"],
                open=[
                    "你好！订单 {order} 从我的卡上扣了两次 {amount}，间隔一分钟，银行 App 里两笔都能看到。请把多扣的钱退给我，这对我来说不是小数目。",
                    "您好，付款的时候页面卡住了，我又点了一次“支付”，结果扣了两次 {amount}。订单只有一个，{order}。",
                ],
                follow="银行截图已经发过去了，第二笔是 14:32。",
                ask="非常抱歉。我看到订单 {order} 有两次支付记录。麻烦您发一张银行流水截图，显示这两笔扣款，这样我们能更快撤销第二笔。",
                resolve="第二笔 {amount} 已经撤销，撤销流水号 CN-{num}。一般 1–3 个工作日退回到卡上。给您带来不便非常抱歉，支付页面的问题技术部正在修复。",
                note="支付页面超时导致重复付款，已转给技术部，任务号 PAY-{num}。",
                summary="现状：第二笔已撤销，等待退回到卡。下一步：确认 PAY-{num} 已修复，并排查本周类似情况。",
            ),
            en=dict(
                subject=["I've been charged twice!", "Double charge on order {order}"],
                open=[
                    "Hi, I've been charged {amount} twice for order {order}, a minute apart. Both payments show in my banking app. Please refund the extra one, it's a lot of money for me.",
                    "Hello. The payment page froze, so I pressed “Pay” again, and now I have two charges of {amount}. There's only one order, {order}.",
                ],
                follow="Screenshot from my bank attached. The second one is at 14:32.",
                ask="I'm sorry about this. I can see two payment attempts on order {order}. Could you send a screenshot of your bank statement showing both? That'll let us cancel the second one faster.",
                resolve="The second charge of {amount} has been cancelled, reference CN-{num}. It usually takes 1–3 working days to reach your card. Sorry for the hassle; the payment page bug is being fixed.",
                note="Duplicate payment caused by a timeout on the payment page. Passed to dev as PAY-{num}.",
                summary="Now: second charge cancelled, waiting for it to reach the card. Next: confirm PAY-{num} is fixed and check for similar cases this week.",
            ),
        ),
        _scenario(
            "invoice",
            ["invoice", "b2b"],
            team="billing",
            channels=("email", "webform"),
            ru=dict(
                subject="Нужны счёт-фактура и закрывающие документы",
                open=[
                    "Добрый день! Мы юрлицо, оплатили заказ {order} по счёту. Бухгалтерия просит УПД и счёт-фактуру. Пришлите, пожалуйста, на этот адрес, реквизиты прежние.",
                    "Здравствуйте. Прошу выставить счёт на оплату для нашей организации: 5 штук {product}. Реквизиты во вложении.",
                ],
                follow="ИНН 7705{num}, КПП тот же. Оригиналы можно почтой на юридический адрес.",
                ask="Добрый день! Документы подготовим. Уточните, пожалуйста, ИНН и КПП — хочу убедиться, что в документах не будет ошибок.",
                resolve="Документы по заказу {order} отправили вам на почту, оригиналы ушли Почтой России, трек {track}. Если бухгалтерии понадобится акт сверки — напишите.",
                note="Реквизиты в профиле устарели (сменился КПП), обновил.",
                summary="Сейчас: сканы отправлены, оригиналы в пути. Дальше: убедиться, что оригиналы получены.",
            ),
            zh=dict(
                subject="需要开具增值税专用发票",
                open=[
                    "您好，我们是公司客户，订单 {order} 已经对公付款了。财务需要开增值税专用发票，开票信息和之前一样，请发到这个邮箱。",
                    "你好，我们公司想采购 5 台 {product}，请先开一张形式发票，开票信息见附件。",
                ],
                follow="税号 91310{num}，地址电话不变。纸质发票请寄到公司注册地址。",
                ask="您好！发票我们来准备。麻烦再确认一下公司税号和开票地址电话，避免开错。",
                resolve="订单 {order} 的电子发票已发到您的邮箱，纸质发票已通过快递寄出，单号 {track}。如果财务还需要对账单，随时告诉我。",
                note="客户资料里的开票信息是旧的（地址变了），已经更新。",
                summary="现状：电子发票已发，纸质发票在途。下一步：确认客户收到纸质发票。",
            ),
            en=dict(
                subject="VAT invoice needed for order {order}",
                open=[
                    "Good morning, we're a business customer and paid order {order} by bank transfer. Our accounts team needs a proper VAT invoice. Company details are unchanged; please email it to this address.",
                    "Hello, we'd like a quote and a pro-forma invoice for 5 units of the {product} for our office. Company details attached.",
                ],
                follow="VAT number GB{num}, registered address as before. A PDF is fine, no need for paper.",
                ask="Good morning! Happy to sort that out. Could you confirm your VAT number and registered address so the invoice is right first time?",
                resolve="The VAT invoice for order {order} is in your inbox now. If your accounts team needs a statement of account as well, just let me know.",
                note="Company address on file was out of date; updated it.",
                summary="Now: invoice sent. Next: nothing, unless accounts come back with questions.",
            ),
        ),
        _scenario(
            "password_reset",
            ["account", "password"],
            ru=dict(
                subject=["Не могу войти в личный кабинет", "Не приходит письмо для сброса пароля"],
                open=[
                    "Здравствуйте, не могу зайти в личный кабинет: пишет «неверный пароль», а письмо для восстановления не приходит, даже в спаме нет. Почта та же, с которой пишу.",
                    "Не приходит код для сброса пароля. Пробую уже пятый раз. Помогите!",
                ],
                follow="Адрес правильный. Смотрю ещё раз — ничего нет, ни во входящих, ни в спаме.",
                ask="Здравствуйте! Проверьте, пожалуйста, что вводите именно этот адрес — в системе он записан с точкой после имени. Письмо иногда приходит с задержкой до 10 минут.",
                resolve="Оказалось, ваш почтовый сервер отклонял наши письма. Я отправила ссылку для сброса пароля вручную, она действует 24 часа. После входа рекомендую сразу задать новый пароль.",
                note="Почтовый провайдер клиента режет наши письма (SPF). Передала в ИТ, тикет MAIL-{num}.",
                summary="Сейчас: ссылка для сброса отправлена вручную. Дальше: дождаться ответа ИТ по доставке писем (MAIL-{num}).",
            ),
            zh=dict(
                subject=["登录不了账户", "收不到重置密码的邮件"],
                open=[
                    "你好，我登录不了账户，一直提示“密码错误”，点了找回密码也收不到邮件，垃圾箱里也没有。邮箱就是我现在发信的这个。",
                    "重置密码的验证码一直收不到，已经试了五次了，请帮帮我！",
                ],
                follow="邮箱没错，我又看了一遍，收件箱和垃圾箱都没有。",
                ask="您好！请确认一下输入的邮箱是否正确，系统里登记的地址名字后面有一个点。邮件有时会延迟 10 分钟左右。",
                resolve="原因是您的邮箱服务器拦截了我们的邮件。我已经手动给您发送了重置链接，24 小时内有效。登录后建议马上设置一个新密码。",
                note="客户的邮箱服务商拦截我们的邮件（SPF），已转 IT，工单 MAIL-{num}。",
                summary="现状：已手动发送重置链接。下一步：等 IT 处理邮件投递问题（MAIL-{num}）。",
            ),
            en=dict(
                subject=["Can't log in to my account", "Password reset email never arrives"],
                open=[
                    "Hi, I can't log in: it says “wrong password” and the reset email never arrives, not even in spam. It's the same address I'm writing from.",
                    "The password reset code isn't coming through. I've tried five times now. Help!",
                ],
                follow="The address is right. Checked again, nothing in the inbox or in spam.",
                ask="Hi! Could you double-check you're entering this exact address? The one on your account has a dot after the first name. The email can sometimes take up to 10 minutes.",
                resolve="It turns out your mail server was rejecting our emails. I've sent you a reset link manually; it's valid for 24 hours. Once you're in, please set a new password straight away.",
                note="Customer's mail provider is bouncing our mail (SPF). Raised with IT as MAIL-{num}.",
                summary="Now: reset link sent manually. Next: wait for IT on the mail delivery issue (MAIL-{num}).",
            ),
        ),
        _scenario(
            "cancel_order",
            ["order", "cancel"],
            ru=dict(
                subject="Отмените, пожалуйста, заказ {order}",
                open=[
                    "Здравствуйте, планы поменялись. Отмените, пожалуйста, заказ {order}, он ещё не отправлен.",
                    "Добрый день! Заказ случайно оформился два раза. Отмените, пожалуйста, {order}, второй оставьте.",
                ],
                follow="Да, верно, именно этот. Деньги вернутся на карту?",
                ask="Здравствуйте! Уточните, пожалуйста: отменяем заказ {order} целиком — {product}?",
                resolve="Заказ {order} отменён. Деньги ({amount}) вернутся на карту в течение 3 рабочих дней, подтверждение придёт на почту.",
                note="Успели снять заказ со сборки, до отгрузки не дошло.",
                summary="Сейчас: заказ отменён, возврат {amount} запущен. Дальше: ничего, если клиент не напишет.",
            ),
            zh=dict(
                subject="请取消订单 {order}",
                open=[
                    "你好，我不想要了，麻烦帮我取消订单 {order}，应该还没发货。",
                    "您好！我不小心下了两次单，请取消 {order}，另一个保留。",
                ],
                follow="对，就是这个。钱会退回到原卡上吗？",
                ask="您好！跟您确认一下：是取消整个订单 {order}（{product}）吗？",
                resolve="订单 {order} 已取消，{amount} 会在 3 个工作日内原路退回，届时会有邮件通知。",
                note="订单已从拣货队列撤下，没有出库。",
                summary="现状：订单已取消，已发起 {amount} 退款。下一步：客户无回复则无需处理。",
            ),
            en=dict(
                subject="Please cancel order {order}",
                open=[
                    "Hi, I've changed my mind. Could you cancel order {order}? It hasn't shipped yet.",
                    "Hello! I accidentally placed the same order twice. Please cancel {order} and keep the other one.",
                ],
                follow="Yes, that's the one. Will the money go back to my card?",
                ask="Hi! Just to confirm: we're cancelling the whole of order {order}, the {product}?",
                resolve="Order {order} is cancelled. The {amount} will be back on your card within 3 working days and you'll get an email confirmation.",
                note="Pulled it from the picking queue before dispatch.",
                summary="Now: order cancelled, refund of {amount} started. Next: nothing unless the customer writes back.",
            ),
        ),
        _scenario(
            "change_address",
            ["delivery", "address"],
            ru=dict(
                subject="Изменить адрес доставки",
                open=[
                    "Добрый день! Можно ли поменять адрес доставки по заказу {order}? Переезд получился раньше, чем планировали. Новый адрес: ул. Ленина, д. 14, кв. 52.",
                    "Здравствуйте, в заказе {order} ошибка в номере квартиры. Правильно — кв. 118, а не 18.",
                ],
                follow="Домофон 118, этаж 9. Спасибо!",
                ask="Здравствуйте! Заказ ещё на складе, адрес изменить можно. Подскажите код домофона и этаж, чтобы курьер не задерживался.",
                resolve="Адрес в заказе {order} изменили, дата доставки прежняя — {date}. Курьер получит обновлённые данные.",
                note="Поменяла адрес в системе перевозчика вручную, у нас отображается корректно.",
                summary="Сейчас: адрес обновлён, доставка {date}. Дальше: ничего.",
            ),
            zh=dict(
                subject="修改收货地址",
                open=[
                    "您好！订单 {order} 的收货地址还能改吗？我提前搬家了。新地址：浦东新区世纪大道 88 号 2 栋 1502。",
                    "你好，订单 {order} 的门牌号我写错了，应该是 1806，不是 806。",
                ],
                follow="门禁密码 1806#，18 楼。谢谢！",
                ask="您好！订单还在仓库，可以修改地址。请告诉我门禁密码和楼层，方便快递员送货。",
                resolve="订单 {order} 的地址已修改，送达日期不变，仍是 {date}。快递员会收到更新后的信息。",
                note="已在快递公司系统里手动改了地址，我们这边显示也正确。",
                summary="现状：地址已更新，{date} 送达。下一步：无。",
            ),
            en=dict(
                subject="Change of delivery address",
                open=[
                    "Hi, can I change the delivery address for order {order}? I'm moving earlier than planned. New address: Flat 3, 27 Albert Road.",
                    "Hello, I got the flat number wrong on order {order}. It should be 11B, not 11.",
                ],
                follow="Door code 4471, second floor. Thanks!",
                ask="Hi! The order is still in the warehouse, so we can change the address. Is there a door code or a floor the driver should know about?",
                resolve="The address on order {order} is updated and the delivery date stays the same, {date}. The driver will get the new details.",
                note="Changed the address in the carrier's system by hand; ours shows it correctly.",
                summary="Now: address updated, delivery {date}. Next: nothing.",
            ),
        ),
        _scenario(
            "promo_code",
            ["promo"],
            team="billing",
            ru=dict(
                subject="Не работает промокод",
                open=[
                    "Здравствуйте! Пытаюсь применить промокод SPRING15 в корзине, пишет «промокод недействителен», хотя в рассылке сказано, что он действует до конца месяца. В чём дело?",
                    "В заказе {order} скидка по промокоду не применилась, списали полную сумму {amount}. Верните, пожалуйста, разницу.",
                ],
                follow="В корзине был {product} и чехол. Других промокодов не было.",
                ask="Здравствуйте! Промокод действует на товары из акционного раздела. Подскажите, что было в корзине, — проверю, почему скидка не сработала.",
                resolve="Разобрались: промокод не применялся к товарам со скидкой поставщика — это ошибка в условиях акции. Мы вернули вам разницу 15%, деньги придут на карту в течение 3 дней.",
                note="Маркетинг подтвердил ошибку в настройке акции SPRING15. Всем пострадавшим компенсируем разницу.",
                summary="Сейчас: разница возвращена. Дальше: маркетинг исправляет условия акции.",
            ),
            zh=dict(
                subject="优惠码用不了",
                open=[
                    "你好！我在购物车里输入优惠码 SPRING15，提示“优惠码无效”，可是推广邮件里写着月底前有效。这是怎么回事？",
                    "我下了订单 {order}，优惠码没有生效，扣了全款 {amount}。请把差价退给我。",
                ],
                follow="购物车里是 {product} 和一个保护套，没有用其他优惠码。",
                ask="您好！这个优惠码适用于活动专区的商品。请告诉我购物车里有哪些商品，我查一下为什么没有生效。",
                resolve="查清楚了：活动规则设置有误，优惠码对供应商折扣商品没有生效。我们已经把 15% 的差价退给您，3 天内到账。",
                note="市场部确认 SPRING15 活动配置错误，受影响的客户都补差价。",
                summary="现状：差价已退。下一步：市场部修正活动规则。",
            ),
            en=dict(
                subject="Promo code doesn't work",
                open=[
                    "Hi! I'm trying to use the code SPRING15 at checkout and it says “invalid code”, but the newsletter says it's valid until the end of the month. What's wrong?",
                    "I placed order {order} but the promo code discount wasn't applied and I was charged the full {amount}. Please refund the difference.",
                ],
                follow="My basket had the {product} and a case. No other code used.",
                ask="Hi! That code applies to items in the promotion section. Could you tell me what was in your basket? I'll check why the discount didn't apply.",
                resolve="Found it: the code wasn't applying to items already discounted by the supplier, which was a mistake in the promotion setup. We've refunded the 15% difference; it'll reach your card within 3 days.",
                note="Marketing confirmed SPRING15 was misconfigured; we're refunding the difference to everyone affected.",
                summary="Now: difference refunded. Next: marketing to fix the promotion rules.",
            ),
        ),
        _scenario(
            "subscription",
            ["subscription"],
            team="billing",
            ru=dict(
                subject="Отключите автопродление подписки",
                open=[
                    "Здравствуйте. Мне снова списали {amount} за подписку Lumen Care, хотя она была отключена ещё в прошлом месяце. Прошу отключить автопродление и вернуть деньги.",
                    "Как отменить подписку на фильтры? В приложении не нахожу кнопку.",
                ],
                follow="Отключали через приложение, есть скриншот с подтверждением.",
                ask="Здравствуйте! Вижу активную подписку Lumen Care. Подскажите, пожалуйста, как вы отключали её в прошлый раз — в приложении или на сайте?",
                resolve="Подписку отключили, последнее списание {amount} вернули — деньги придут в течение 3 рабочих дней. Подтверждение отмены отправили на почту.",
                note="Баг: отмена подписки в приложении на iOS не доходила до биллинга. Известная проблема APP-{num}.",
                summary="Сейчас: подписка отключена, {amount} возвращены. Дальше: проверить, что в следующем месяце списания нет.",
            ),
            zh=dict(
                subject="请取消自动续费",
                open=[
                    "你好，Lumen Care 会员又扣了我 {amount}，我上个月就已经取消了。请关闭自动续费并退款。",
                    "滤芯订阅怎么取消？App 里找不到按钮。",
                ],
                follow="我是在 App 里取消的，还有确认页面的截图。",
                ask="您好！我看到您的 Lumen Care 会员还是开通状态。请问上次是通过 App 还是网站取消的？",
                resolve="会员已取消，最后一次扣的 {amount} 已退回，3 个工作日内到账。取消确认已发到您的邮箱。",
                note="问题：iOS App 里取消订阅没有同步到计费系统，已知问题 APP-{num}。",
                summary="现状：会员已取消，{amount} 已退。下一步：下个月确认没有再扣款。",
            ),
            en=dict(
                subject="Please stop my subscription renewing",
                open=[
                    "Hello, I've been charged {amount} again for Lumen Care even though I cancelled last month. Please switch off auto-renewal and refund me.",
                    "How do I cancel my filter subscription? I can't find the button in the app.",
                ],
                follow="I cancelled in the app and have a screenshot of the confirmation.",
                ask="Hello! I can see an active Lumen Care subscription. Could you tell me how you cancelled it last time, in the app or on the website?",
                resolve="Your subscription is cancelled and the last charge of {amount} refunded; it'll reach you within 3 working days. A cancellation confirmation is on its way to your inbox.",
                note="Bug: cancelling in the iOS app never reached billing. Known issue APP-{num}.",
                summary="Now: subscription cancelled, {amount} refunded. Next: check there's no charge next month.",
            ),
        ),
        _scenario(
            "product_question",
            ["pre-sale"],
            priority=1,
            ru=dict(
                subject="Вопрос по Lumen R5",
                open=[
                    "Добрый день! Подскажите, подойдёт ли робот-пылесос Lumen R5 для квартиры 80 м² с ковролином? И сколько он работает от одной зарядки?",
                    "Здравствуйте, есть ли у Lumen R5 русское меню и голосовые подсказки на русском?",
                ],
                follow="А если заказать сегодня, когда привезут в Казань?",
                ask="Добрый день! Да, Lumen R5 справится: на ковролине он работает около 90 минут, этого хватает на 80–100 м². Русский язык в приложении и голосовые подсказки есть.",
                resolve="При заказе сегодня доставка в Казань займёт 2–3 дня, ориентировочно {date}. Если появятся ещё вопросы — пишите!",
                note="Клиент выбирает между R5 и моделью конкурента. Если напишет снова, можно предложить скидку 5%.",
                summary="Сейчас: ответили на вопросы по модели. Дальше: ничего, ждём заказа.",
            ),
            zh=dict(
                subject="关于 Lumen R5 扫地机器人的问题",
                open=[
                    "您好！请问 Lumen R5 扫地机器人适合 80 平米、铺地毯的房子吗？充一次电能用多久？",
                    "你好，Lumen R5 扫地机器人有中文语音提示吗？能用手机 App 控制吗？",
                ],
                follow="如果今天下单，寄到成都大概几天能到？",
                ask="您好！可以的，Lumen R5 扫地机器人在地毯模式下大约能用 90 分钟，80–100 平米没问题。有中文界面和中文语音提示，可以用 Lumen Home App 控制。",
                resolve="今天下单的话，寄到成都大约 2–3 天，预计 {date} 送达。还有其他问题随时问我！",
                note="客户在 R5 和竞品之间犹豫，再来咨询可以给 5% 优惠。",
                summary="现状：已解答产品问题。下一步：无，等客户下单。",
            ),
            en=dict(
                subject="Question about the Lumen R5 robot vacuum",
                open=[
                    "Hi! Would the Lumen R5 robot vacuum cope with an 80 m² flat with carpets? And how long does it run on one charge?",
                    "Hello, does the Lumen R5 robot vacuum work with Alexa or Google Home?",
                ],
                follow="If I order today, when would it arrive in Manchester?",
                ask="Hi! Yes, the Lumen R5 robot vacuum will manage: on carpet it runs about 90 minutes, which covers 80–100 m². It also works with both Alexa and Google Home.",
                resolve="If you order today, delivery to Manchester takes 2–3 days, so around {date}. Any other questions, just ask!",
                note="Customer is comparing the R5 with a competitor; fine to offer 5% off if they come back.",
                summary="Now: product questions answered. Next: nothing, waiting for them to order.",
            ),
        ),
        _scenario(
            "app_crash",
            ["app", "bug"],
            ru=dict(
                subject="Приложение вылетает",
                open=[
                    "Приложение Lumen Home вылетает сразу после запуска, началось после последнего обновления. Телефон Samsung A52, Android 13. Переустанавливал — не помогает, пылесосом управлять не могу.",
                    "Здравствуйте, в приложении не отображается карта уборки и пропали все расписания. Что случилось?",
                ],
                follow="Версия 4.12.0. Очистка кэша не помогла.",
                ask="Спасибо за сообщение. Подскажите, пожалуйста, версию приложения (Настройки → О приложении) и попробуйте очистить кэш — после обновлений это часто помогает.",
                resolve="Разработчики выпустили исправление — версия 4.12.1 уже доступна в Google Play. После обновления приложение должно запускаться нормально, расписания сохранятся.",
                note="Краш на Android 13 после 4.12.0, известная проблема APP-{num}. Исправлено в 4.12.1.",
                summary="Сейчас: ждём выхода 4.12.1. Дальше: сообщить клиенту, когда исправление появится в сторе.",
            ),
            zh=dict(
                subject="App 闪退",
                open=[
                    "更新以后 Lumen Home App 一打开就闪退。手机是小米 13，安卓 13。重装过也没用，现在没法控制扫地机。",
                    "你好，App 里看不到清扫地图了，定时任务也全没了，怎么回事？",
                ],
                follow="版本号是 4.12.0，清缓存也没用。",
                ask="谢谢您的反馈。请告诉我 App 的版本号（设置 → 关于），也可以先试试清除缓存，更新后的问题常常这样就能解决。",
                resolve="开发团队已经发布了修复版本 4.12.1，应用商店里已经可以更新了。更新后 App 就能正常打开，定时任务不会丢失。",
                note="安卓 13 升级 4.12.0 后闪退，已知问题 APP-{num}，4.12.1 已修复。",
                summary="现状：等待 4.12.1 发布。下一步：修复版上架后通知客户。",
            ),
            en=dict(
                subject="App keeps crashing",
                open=[
                    "The Lumen Home app crashes as soon as I open it, ever since the last update. Pixel 7, Android 14. Reinstalled, didn't help, so I can't control the vacuum at all.",
                    "Hi, the cleaning map has disappeared from the app and all my schedules are gone. What happened?",
                ],
                follow="It's version 4.12.0. Clearing the cache didn't help.",
                ask="Thanks for reporting this. Could you tell me the app version (Settings → About) and try clearing the cache? That often fixes things after an update.",
                resolve="Our developers have released a fix: version 4.12.1 is now in the app store. After updating, the app should open normally and your schedules will still be there.",
                note="Crash on Android 13/14 after 4.12.0, known issue APP-{num}. Fixed in 4.12.1.",
                summary="Now: waiting for 4.12.1. Next: tell the customer once the fix is in the store.",
            ),
        ),
        _scenario(
            "courier_complaint",
            ["complaint", "courier"],
            ru=dict(
                subject="Жалоба на курьера",
                open=[
                    "Курьер сегодня опоздал на три часа, не позвонил, а потом бросил коробку у двери и ушёл, не дождавшись меня. Это уже второй раз. Прошу разобраться.",
                    "Здравствуйте. Курьер нагрубил моей маме, когда она попросила подождать пять минут. Заказ {order}. Это возмутительно.",
                ],
                follow="Нет, коробка целая, но так нельзя. Хочу, чтобы этот курьер ко мне больше не приезжал.",
                ask="Приносим извинения, так быть не должно. Подскажите, пожалуйста, товар не пострадал? Мы передадим жалобу в службу доставки.",
                resolve="Жалобу передали службе доставки, с курьером проведут беседу, а ваш адрес отметили — он к вам больше не приедет. В качестве извинения начислили 300 бонусов.",
                note="Третья жалоба на этого курьера за месяц (район Юго-Запад). Написала менеджеру перевозчика.",
                summary="Сейчас: жалоба у перевозчика, бонусы начислены. Дальше: дождаться ответа перевозчика по курьеру.",
            ),
            zh=dict(
                subject="投诉快递员",
                open=[
                    "今天快递员晚到了三个小时，也没打电话，直接把箱子丢在门口就走了，这已经是第二次了。请你们处理一下。",
                    "你好，我妈妈请快递员稍等五分钟，他态度非常恶劣。订单 {order}。我非常不满意。",
                ],
                follow="东西没坏，但是这样不行。我希望以后别再让这个快递员给我送货。",
                ask="非常抱歉，这种情况不应该发生。请问商品有没有损坏？我们会把投诉转给快递公司。",
                resolve="投诉已转交快递公司，他们会对快递员进行处理，我们也标记了您的地址，以后不会再安排他送货。为表歉意，已给您补偿 300 积分。",
                note="这个月第三次投诉同一个快递员了，已经联系快递公司的对接人。",
                summary="现状：投诉已转快递公司，积分已补偿。下一步：等快递公司反馈处理结果。",
            ),
            en=dict(
                subject="Complaint about the courier",
                open=[
                    "The driver turned up three hours late today, didn't call, then dumped the box at the door and left without waiting for me. This is the second time. Please look into it.",
                    "Hello. Your courier was rude to my mother when she asked him to wait five minutes. Order {order}. I'm very unhappy.",
                ],
                follow="No, the box is fine, but this isn't acceptable. I don't want that driver coming to my address again.",
                ask="I'm sorry, that shouldn't happen. Was the item itself damaged? We'll pass your complaint to the courier company.",
                resolve="We've passed your complaint to the courier company, who'll speak to the driver, and we've flagged your address so he won't deliver to you again. We've added 300 points to your account by way of apology.",
                note="Third complaint about the same driver this month. Emailed the carrier's account manager.",
                summary="Now: complaint with the carrier, points added. Next: wait for the carrier's answer about the driver.",
            ),
        ),
        _scenario(
            "angry",
            ["complaint", "escalation"],
            team="escalations",
            priority=3,
            ru=dict(
                subject="Вы издеваетесь?!",
                open=[
                    "Вы там вообще работаете или нет?! Третий раз пишу про заказ {order}, и опять тишина. Кучка бездельников, честное слово. Если завтра не будет ответа, пеняйте на себя.",
                    "ДА СКОЛЬКО МОЖНО!!! Деньги взяли, товара нет, на звонки никто не отвечает. Вы просто мошенники, так везде и напишу.",
                ],
                follow="Мне плевать на ваши извинения. Хочу свои деньги или товар, и прямо сейчас.",
                ask="Я понимаю ваше раздражение и прошу прощения за то, что вам пришлось писать несколько раз. Я лично взяла заказ {order} под контроль и сегодня же вернусь с ответом. Прошу только общаться без оскорблений — так мы быстрее всё решим.",
                resolve="Заказ {order} передан в доставку с приоритетом, курьер привезёт его {date}. Я буду следить за ним до вручения.",
                note="Клиент грубит, угрожает. Поставила флаг. Отвечать спокойно, по фактам, обещаний без сроков не давать.",
                summary="Сейчас: заказ отправлен с приоритетом, доставка {date}. Дальше: проконтролировать вручение; общение только письменно.",
            ),
            zh=dict(
                subject="你们到底管不管？！",
                open=[
                    "你们到底有没有人在上班？！订单 {order} 我已经问了三次了，一直没人理。一群饭桶。明天再不回复，后果自负。",
                    "到底要拖到什么时候！！！钱收了，货不发，电话也没人接。你们就是骗子，我要到处去曝光你们。",
                ],
                follow="我不要听道歉，我现在就要退钱或者发货。",
                ask="非常理解您的心情，让您反复联系我们，真的很抱歉。您的订单 {order} 我亲自跟进，今天之内一定给您答复。也请您不要使用侮辱性的语言，这样我们能更快解决问题。",
                resolve="订单 {order} 已经加急发出，预计 {date} 送达。我会一直跟进到您签收为止。",
                note="客户情绪激动，有辱骂。已加标记。回复保持冷静、只讲事实，不要随口承诺时间。",
                summary="现状：订单已加急发出，{date} 送达。下一步：跟进签收；只用书面沟通。",
            ),
            en=dict(
                subject="Are you having a laugh?!",
                open=[
                    "Does anyone actually work there?! This is the third time I'm writing about order {order} and still nothing. Bunch of useless clowns. If I don't hear back by tomorrow you'll regret it.",
                    "HOW LONG DO I HAVE TO WAIT!!! You took my money, no product, nobody answers the phone. You're scammers and I'll say so everywhere.",
                ],
                follow="I don't care about your apologies. I want my money or my order, right now.",
                ask="I understand why you're frustrated, and I'm sorry you've had to chase us. I've taken order {order} on personally and will come back to you today. I'd ask you to keep things civil, though; it helps us sort this out faster.",
                resolve="Order {order} has gone out as a priority delivery and will arrive on {date}. I'll keep an eye on it until it's delivered.",
                note="Customer is abusive and making threats. Flagged. Reply calmly, stick to facts, no promises without dates.",
                summary="Now: order dispatched as priority, delivery {date}. Next: confirm delivery; written contact only.",
            ),
        ),
        _scenario(
            "manager_request",
            ["escalation", "manager"],
            team="escalations",
            priority=3,
            ru=dict(
                subject="Прошу связать меня с руководителем",
                open=[
                    "Здравствуйте. Я уже месяц не могу решить вопрос с возвратом за {product}, каждый оператор отвечает по-разному. Прошу передать обращение руководителю отдела.",
                    "Дайте, пожалуйста, контакт вашего начальника. С операторами разговаривать бесполезно.",
                ],
                follow="Хорошо, жду звонка завтра до обеда.",
                ask="Здравствуйте, меня зовут {agent}, я руководитель смены. Я изучила всю переписку по вашему вопросу. Удобно ли, если я позвоню вам завтра в 11:00?",
                resolve="Как договорились: возврат {amount} оформлен в полном объёме, номер операции RF-{num}. Спасибо за терпение — мы разобрали этот случай с командой, чтобы такое не повторилось.",
                note="Три оператора дали разные ответы по возврату. Разобрала на планёрке.",
                summary="Сейчас: руководитель ведёт лично, звонок завтра в 11:00. Дальше: после звонка оформить возврат.",
            ),
            zh=dict(
                subject="请让你们主管联系我",
                open=[
                    "你好，{product} 的退款问题我已经折腾一个月了，每个客服说法都不一样。请把我的问题转给你们主管。",
                    "请给我你们领导的联系方式，和客服说没用。",
                ],
                follow="好的，我明天中午之前等电话。",
                ask="您好，我是客服主管 {agent}。您的所有沟通记录我都看过了。明天上午 11 点给您打电话方便吗？",
                resolve="按照电话里说好的，{amount} 已全额退款，交易号 RF-{num}。感谢您的耐心，我们已经在团队内部复盘了这个问题，避免再次发生。",
                note="三个客服给出的退款答复不一致，已在例会上复盘。",
                summary="现状：主管亲自跟进，明天 11 点电话。下一步：通话后办理退款。",
            ),
            en=dict(
                subject="I want to speak to a manager",
                open=[
                    "Hello. I've been trying to sort out a refund for my {product} for a month and every agent tells me something different. Please pass this to a manager.",
                    "Please give me your manager's contact details. Talking to the agents is getting me nowhere.",
                ],
                follow="Fine, I'll expect the call tomorrow morning.",
                ask="Hello, I'm {agent}, the team supervisor. I've read the whole conversation. Would it suit you if I called tomorrow at 11am?",
                resolve="As agreed on the phone, the full refund of {amount} has been processed, reference RF-{num}. Thank you for your patience. We've gone through this case as a team so it doesn't happen again.",
                note="Three agents gave three different refund answers. Went through it at the team meeting.",
                summary="Now: supervisor handling personally, call tomorrow at 11. Next: process the refund after the call.",
            ),
        ),
        _scenario(
            "legal_threat",
            ["legal", "escalation"],
            team="escalations",
            priority=4,
            channels=("email", "webform"),
            ru=dict(
                subject="Досудебная претензия",
                open=[
                    "Настоящим направляю досудебную претензию. {product} (заказ {order}) неисправен с первого дня, в гарантийном ремонте мне отказали. Требую вернуть {amount} в течение 10 дней, иначе обращаюсь в суд и в Роспотребнадзор.",
                    "Если до пятницы деньги не вернёте, подаю в суд. Юрист у меня уже есть, вся переписка сохранена.",
                ],
                follow="Жду письменного ответа. Копия претензии также отправлена заказным письмом.",
                ask="Здравствуйте. Ваша претензия получена и зарегистрирована под номером ЮР-{num}. Её рассматривает юридический отдел, письменный ответ вы получите в течение 10 календарных дней.",
                resolve="По результатам рассмотрения претензии ЮР-{num} мы приняли решение вернуть вам {amount} в полном объёме. Деньги поступят в течение 5 рабочих дней. Приносим извинения за необоснованный отказ в гарантийном ремонте.",
                note="Юр. отдел: претензия обоснована, отказ в гарантии был ошибочным. Возврат согласован. Ответы клиенту — только через юриста.",
                summary="Сейчас: претензия ЮР-{num} у юристов, срок ответа 10 дней. Дальше: ответ отправляет только юрист.",
            ),
            zh=dict(
                subject="正式投诉：要求退款",
                open=[
                    "我正式提出投诉：{product}（订单 {order}）从第一天起就有故障，你们还拒绝保修。请在 10 天内退还 {amount}，否则我将向法院起诉并向消费者协会投诉。",
                    "周五之前不退钱，我就去法院起诉。律师已经找好了，所有聊天记录我都保存了。",
                ],
                follow="我等你们的书面答复。投诉书我也已经用挂号信寄出了。",
                ask="您好。您的投诉已收到，登记编号 LG-{num}，由法务部处理，我们会在 10 个自然日内给您书面答复。",
                resolve="经审查（编号 LG-{num}），我们决定全额退还 {amount}，款项将在 5 个工作日内到账。之前拒绝保修是我们的错误，再次向您致歉。",
                note="法务：投诉成立，拒保是错误的，同意退款。对客户的回复必须经过法务。",
                summary="现状：投诉 LG-{num} 在法务处理中，10 天内答复。下一步：只由法务回复客户。",
            ),
            en=dict(
                subject="Letter before action",
                open=[
                    "Please treat this as a formal letter before action. My {product} (order {order}) has been faulty since day one and you refused a warranty repair. I require a refund of {amount} within 10 days, failing which I will issue a claim in the small claims court.",
                    "If I don't have my money back by Friday, I'm taking you to court. I've already spoken to a solicitor and kept every message.",
                ],
                follow="I'll wait for your written response. A copy has also been sent by recorded delivery.",
                ask="Hello. We've received your complaint and logged it as LG-{num}. Our legal team is reviewing it and you'll have a written response within 10 days.",
                resolve="Having reviewed complaint LG-{num}, we've decided to refund the full {amount}. It will reach you within 5 working days. We apologise for wrongly refusing the warranty repair.",
                note="Legal: complaint justified, the warranty refusal was wrong. Refund approved. All replies to go through legal.",
                summary="Now: complaint LG-{num} with legal, response due in 10 days. Next: only legal replies to the customer.",
            ),
        ),
        _scenario(
            "thanks",
            ["feedback", "praise"],
            priority=1,
            short=True,
            ru=dict(
                subject="Спасибо!",
                open=[
                    "Хочу сказать спасибо оператору по имени {agent}! Очень быстро помогли с обменом, всё объяснили по-человечески. Буду заказывать у вас ещё.",
                    "Заказ пришёл, всё отлично, упаковано аккуратно. Спасибо вам большое!",
                ],
                resolve="Спасибо за тёплые слова! Обязательно передадим коллегам. Хорошего дня!",
                note="Благодарность — добавить в еженедельную подборку для команды.",
            ),
            zh=dict(
                subject="谢谢！",
                open=[
                    "想感谢一下客服 {agent}！换货处理得特别快，解释得也很清楚。以后还会在你们这里买。",
                    "收到货了，包装很仔细，一切都很好，非常感谢！",
                ],
                resolve="谢谢您的肯定！我们一定转达给同事。祝您生活愉快！",
                note="客户表扬，加到本周团队表扬汇总里。",
            ),
            en=dict(
                subject="Thank you!",
                open=[
                    "Just wanted to say thank you to {agent}! The exchange was sorted really quickly and everything was explained clearly. I'll definitely order again.",
                    "Got my order today, everything's perfect and nicely packed. Thanks so much!",
                ],
                resolve="Thank you for the kind words! We'll pass them on to the team. Have a lovely day!",
                note="Praise, add to this week's round-up for the team.",
            ),
        ),
        _scenario(
            "data_deletion",
            ["privacy"],
            team="escalations",
            channels=("email", "webform", "webchat"),
            ru=dict(
                subject="Удалите мои персональные данные",
                open=[
                    "Прошу удалить все мои персональные данные и аккаунт в соответствии со 152-ФЗ. Рассылки тоже больше не присылайте.",
                    "Здравствуйте. Откуда у вас мой номер телефона? Мне звонят с рекламой. Требую удалить мои данные.",
                ],
                follow="Да, подтверждаю, незавершённых заказов у меня нет.",
                ask="Здравствуйте! Запрос принят. Обратите внимание: после удаления аккаунта история заказов и гарантийные талоны станут недоступны. Подтверждаете удаление?",
                resolve="Ваш аккаунт и персональные данные удалены, вы отписаны от всех рассылок. Данные о покупках, которые мы обязаны хранить по закону, обезличены.",
                note="Запрос на удаление ПДн, срок по закону 30 дней. Передано ответственному за защиту данных.",
                summary="Сейчас: запрос передан ответственному за ПДн. Дальше: подтвердить клиенту удаление в течение 30 дней.",
            ),
            zh=dict(
                subject="请删除我的个人信息",
                open=[
                    "根据《个人信息保护法》，请删除我的所有个人信息和账户，也不要再给我发推广信息了。",
                    "你好，你们怎么会有我的手机号？一直有人打电话推销，我要求删除我的信息。",
                ],
                follow="确认删除，我现在没有未完成的订单。",
                ask="您好！申请已收到。需要提醒您：注销账户后，订单记录和保修凭证都将无法查看。请问确认删除吗？",
                resolve="您的账户和个人信息已经删除，所有推广信息也已退订。依法必须保留的交易记录已做匿名化处理。",
                note="个人信息删除请求，法定时限 30 天，已转数据保护负责人。",
                summary="现状：已转数据保护负责人。下一步：30 天内向客户确认删除。",
            ),
            en=dict(
                subject="Please delete my personal data",
                open=[
                    "Under GDPR I'm asking you to delete all my personal data and close my account. And please stop sending me marketing emails.",
                    "Hi, how did you get my phone number? I keep getting sales calls. I want my data deleted.",
                ],
                follow="Yes, I confirm. I have no open orders.",
                ask="Hello! We've received your request. Please note that once the account is deleted, your order history and warranty records will no longer be available. Shall we go ahead?",
                resolve="Your account and personal data have been deleted and you're unsubscribed from all marketing. Purchase records we must keep by law have been anonymised.",
                note="Erasure request, one-month statutory deadline. Passed to the DPO.",
                summary="Now: request with the DPO. Next: confirm deletion to the customer within a month.",
            ),
        ),
        _scenario(
            "review_negative",
            ["review"],
            channels=("review",),
            ru=dict(
                subject="Отзыв: {product}",
                open=[
                    "★☆☆☆☆ {product} ехал две недели вместо обещанных трёх дней. Поддержка отвечает шаблонами. Не рекомендую.",
                    "★★☆☆☆ Сам товар неплохой, но доставка — кошмар. Курьер трижды переносил доставку.",
                ],
                follow="Спасибо, что ответили. Если правда довезут завтра — исправлю оценку.",
                ask="Здравствуйте! Нам очень жаль, что ожидание так затянулось. Мы нашли ваш заказ и уже разбираемся — напишем вам лично в течение дня.",
                resolve="Рады, что заказ наконец у вас! Ещё раз извините за задержку — мы сменили службу доставки в вашем регионе.",
                note="Отзыв на маркетплейсе, рейтинг карточки упал. Ответ публичный — никаких персональных данных.",
                summary="Сейчас: ответили публично, клиенту написали лично. Дальше: после доставки попросить обновить отзыв.",
            ),
            zh=dict(
                subject="评价：{product}",
                open=[
                    "★☆☆☆☆ 买的 {product}，说好三天到，结果等了两个星期。客服回复全是模板。不推荐。",
                    "★★☆☆☆ 东西本身还行，就是物流太差了，快递改了三次配送时间。",
                ],
                follow="谢谢回复。如果明天真能送到，我会改评价。",
                ask="您好！让您等了这么久，非常抱歉。我们已经找到您的订单并在处理中，今天之内会单独联系您。",
                resolve="很高兴您终于收到了！再次为延误致歉，我们已经更换了您所在地区的合作快递。",
                note="电商平台上的差评，商品评分下降了。公开回复，不要涉及个人信息。",
                summary="现状：已公开回复并私信客户。下一步：送达后请客户更新评价。",
            ),
            en=dict(
                subject="Review: {product}",
                open=[
                    "★☆☆☆☆ Ordered the {product}, waited two weeks instead of the promised three days. Support just sends copy-paste answers. Wouldn't recommend.",
                    "★★☆☆☆ The product itself is fine but the delivery was a nightmare. The courier rescheduled three times.",
                ],
                follow="Thanks for replying. If it really arrives tomorrow I'll update my review.",
                ask="Hello, we're really sorry the wait dragged on. We've found your order and are on it; we'll contact you directly today.",
                resolve="Glad it finally reached you! Sorry again for the delay. We've changed courier in your area.",
                note="Marketplace review, the product rating dropped. Public reply, so no personal details.",
                summary="Now: replied publicly and contacted the customer directly. Next: once delivered, ask them to update the review.",
            ),
        ),
        _scenario(
            "review_positive",
            ["review", "praise"],
            priority=1,
            short=True,
            channels=("review",),
            ru=dict(
                subject="Отзыв: {product}",
                open=[
                    "★★★★★ {product} — лучшая покупка за год! Доставили на следующий день, всё работает отлично.",
                    "★★★★☆ Хороший, тихий. Минус звезда за инструкцию — очень мелкий шрифт. ({product})",
                ],
                resolve="Спасибо за отзыв! Очень рады, что покупка вам понравилась. Инструкцию можно скачать в PDF на нашем сайте — там шрифт крупнее.",
                note="Хороший отзыв, можно использовать в рассылке (с согласия автора).",
            ),
            zh=dict(
                subject="评价：{product}",
                open=[
                    "★★★★★ {product} 是今年买得最值的东西！第二天就到了，用起来非常好。",
                    "★★★★☆ {product} 挺好的，很安静。扣一星是因为说明书字太小。",
                ],
                resolve="感谢您的评价！很高兴您喜欢这款产品。我们官网可以下载 PDF 版说明书，字体更大一些。",
                note="好评，经作者同意后可以用在推广邮件里。",
            ),
            en=dict(
                subject="Review: {product}",
                open=[
                    "★★★★★ The {product} is the best thing I've bought this year! Arrived the next day and works brilliantly.",
                    "★★★★☆ Nice and quiet {product}. One star off for the manual, the print is tiny.",
                ],
                resolve="Thanks for the review! We're so glad you like it. You can download the manual as a PDF from our website, where the print is bigger.",
                note="Nice review; could use it in the newsletter with the author's permission.",
            ),
        ),
        # --- internal customers (CH8): departments and colleagues -----------------------------
        _scenario(
            "internal_warehouse",
            ["internal", "returns"],
            internal=True,
            ru=dict(
                subject="Возврат без номера RMA",
                open=[
                    "Коллеги, привет! На склад пришла посылка-возврат по заказу {order} без номера RMA и без заявления. Внутри {product}. Чей это клиент и что с ним делать?",
                    "Добрый день. У нас на складе 4 возврата без оформленных заявок, один из них — {order}. Подскажите, кто их оформляет?",
                ],
                follow="Приняли, оприходовали. Клиенту можно оформлять возврат денег.",
                ask="Привет! Это наш клиент, возврат согласовали по телефону, а заявку завести не успели. Сейчас оформлю RMA-{num}, примите, пожалуйста, по ней.",
                resolve="Спасибо! Возврат денег клиенту оформили. Заявку RMA-{num} закрываю.",
                note="Операторы забывают заводить RMA, когда согласуют возврат устно, — напомнить на планёрке.",
                summary="Сейчас: RMA-{num} заведена, склад принимает. Дальше: после оприходования оформить клиенту возврат денег.",
            ),
            zh=dict(
                subject="退货没有 RMA 号",
                open=[
                    "同事们好！仓库收到一个订单 {order} 的退货包裹，没有 RMA 号，也没有退货申请，里面是 {product}。这是谁的客户？要怎么处理？",
                    "你好，仓库现在有 4 个退货没有申请单，其中一个是 {order}。请问是谁负责登记？",
                ],
                follow="已经收货入库了，可以给客户退款了。",
                ask="你好！这是我们的客户，电话里同意退货了，但申请单还没录。我现在建 RMA-{num}，麻烦按这个号收货。",
                resolve="谢谢！已经给客户办理退款，RMA-{num} 关闭。",
                note="客服电话同意退货后经常忘记建 RMA，例会上提醒一下。",
                summary="现状：已建 RMA-{num}，仓库收货中。下一步：入库后给客户退款。",
            ),
            en=dict(
                subject="Return received without an RMA",
                open=[
                    "Hi team! A return parcel for order {order} has turned up at the warehouse with no RMA number and no form. There's a {product} inside. Whose customer is this and what do we do with it?",
                    "Morning. We've got 4 returns sitting here without RMAs, one of them is {order}. Who's raising these?",
                ],
                follow="Booked in. You can refund the customer.",
                ask="Hi! That's one of ours: the return was agreed on the phone and the RMA never got raised. I'm creating RMA-{num} now; please book it in against that.",
                resolve="Thanks! Customer refunded, closing RMA-{num}.",
                note="Agents keep forgetting to raise RMAs after agreeing returns on the phone. Mention it at stand-up.",
                summary="Now: RMA-{num} raised, warehouse booking it in. Next: refund the customer once it's booked in.",
            ),
        ),
        _scenario(
            "internal_sales",
            ["internal", "b2b"],
            internal=True,
            priority=3,
            ru=dict(
                subject="Статус по корпоративному клиенту",
                open=[
                    "Привет! Это отдел продаж. Наш корпоративный клиент жалуется, что по заказу {order} (20 шт. {product}) до сих пор нет ответа от поддержки. Посмотрите, пожалуйста, и дайте статус — клиент важный.",
                    "Коллеги, клиент по договору просит ускорить замену по заказу {order}. Что можем сделать?",
                ],
                follow="Спасибо! Клиенту передано, он доволен.",
                ask="Привет! Посмотрела: замену отгружаем завтра, трек будет вечером. Скину, как только появится.",
                resolve="Трек по замене: {track}, доставка {date}. Клиенту отправили уведомление.",
                note="Корпоративный клиент, договор с SLA 24 часа. Держать на контроле.",
                summary="Сейчас: замена отгружается, трек отправлен. Дальше: подтвердить продажам доставку.",
            ),
            zh=dict(
                subject="企业客户的处理进度",
                open=[
                    "你好！我是销售部的。我们的企业客户反映订单 {order}（20 台 {product}）到现在客服还没答复，能帮忙看一下进度吗？这个客户很重要。",
                    "同事你好，签约客户希望加快订单 {order} 的换货，我们能怎么处理？",
                ],
                follow="谢谢！已经转告客户了，客户很满意。",
                ask="你好！我看了一下，换货明天发出，晚上会有单号，出来后马上发给你。",
                resolve="换货单号：{track}，预计 {date} 送达，已经通知客户了。",
                note="签约企业客户，合同 SLA 24 小时，重点跟进。",
                summary="现状：换货发出，单号已发。下一步：向销售确认送达。",
            ),
            en=dict(
                subject="Status on a corporate account",
                open=[
                    "Hi, Sales here. One of our corporate clients says they've had no answer from support on order {order} (20 × {product}). Could you take a look and give me a status? It's an important account.",
                    "Hi all, a contract client is asking us to speed up the replacement on order {order}. What can we do?",
                ],
                follow="Thanks! Passed it on, they're happy.",
                ask="Hi! I've checked: the replacement ships tomorrow and tracking will be ready this evening. I'll send it over as soon as I have it.",
                resolve="Replacement tracking: {track}, delivery {date}. The client has been notified.",
                note="Contract customer with a 24-hour SLA. Keep a close eye on it.",
                summary="Now: replacement shipping, tracking sent. Next: confirm delivery to Sales.",
            ),
        ),
        _scenario(
            "internal_staff_order",
            ["internal", "staff-discount"],
            internal=True,
            team="billing",
            ru=dict(
                subject="Не применилась скидка сотрудника",
                open=[
                    "Привет! Заказ домой ({product}) оформлен со скидкой для сотрудников, а скидка не применилась — списали полную цену {amount}. Табельный номер 0{num}.",
                    "Добрый день, как сотруднику оформить заказ со скидкой? В личном кабинете не вижу такой опции.",
                ],
                follow="Да, почта рабочая, та же.",
                ask="Привет! Скидка привязывается к рабочей почте. Подтверди, пожалуйста, что аккаунт зарегистрирован на корпоративный адрес.",
                resolve="Пересчитали заказ со скидкой сотрудника, разницу вернули на карту. Дальше скидка будет применяться автоматически.",
                note="Аккаунт сотрудника был на личной почте, привязали к корпоративной.",
                summary="Сейчас: разница возвращена. Дальше: ничего.",
            ),
            zh=dict(
                subject="员工折扣没有生效",
                open=[
                    "你好！我用员工折扣买了 {product}，但是折扣没生效，扣了全价 {amount}。工号 0{num}。",
                    "您好，员工下单怎么享受内部折扣？账户里没看到这个选项。",
                ],
                follow="对，是公司邮箱。",
                ask="你好！员工折扣是跟公司邮箱绑定的。麻烦确认一下你的账户是用公司邮箱注册的吗？",
                resolve="已经按员工价重新计算订单，差价退回到你的卡上了。以后下单会自动享受折扣。",
                note="员工账户之前用的是私人邮箱，已改绑公司邮箱。",
                summary="现状：差价已退。下一步：无。",
            ),
            en=dict(
                subject="Staff discount not applied",
                open=[
                    "Hi! I ordered a {product} for home with my staff discount, but it wasn't applied and I was charged the full {amount}. Employee no. 0{num}.",
                    "Hello, how do I get my staff discount when ordering? I can't see the option in my account.",
                ],
                follow="Yes, it's my work email.",
                ask="Hi! The discount is tied to your work email. Can you confirm your account is registered with your company address?",
                resolve="We've recalculated the order at the staff price and refunded the difference to your card. From now on the discount will apply automatically.",
                note="The account was on a personal email; linked it to the work address.",
                summary="Now: difference refunded. Next: nothing.",
            ),
        ),
    ]
}

# How often each consumer problem comes up (the special ones are placed deliberately).
CONSUMER_WEIGHTS = {
    "late_delivery": 14,
    "wrong_item": 6,
    "damaged": 6,
    "broken_product": 10,
    "refund": 10,
    "double_charge": 5,
    "password_reset": 8,
    "cancel_order": 6,
    "change_address": 5,
    "promo_code": 5,
    "subscription": 5,
    "product_question": 7,
    "app_crash": 6,
    "courier_complaint": 5,
    "thanks": 5,
    "data_deletion": 2,
}

# --- the small print around messages ------------------------------------------------------

GREETING = {
    RU: ["Здравствуйте, {first}!", "Добрый день, {first}!", "{first}, здравствуйте!"],
    ZH: ["{first}，您好！", "您好，{first}！", "亲爱的{first}，您好！"],
    EN: ["Hi {first},", "Hello {first},", "Dear {first},"],
}
GREETING_ANON = {RU: "Здравствуйте!", ZH: "您好！", EN: "Hello,"}
SIGNOFF = {
    RU: [
        "С уважением,\n{agent}\nСлужба поддержки Lumen Home",
        "Хорошего дня!\n{agent}, Lumen Home",
    ],
    ZH: [
        "祝好！\nLumen Home 客服 {agent}",
        "如有其他问题，欢迎随时联系我们。\nLumen Home 客服中心 {agent}",
    ],
    EN: ["Kind regards,\n{agent}\nLumen Home Customer Care", "Best wishes,\n{agent} at Lumen Home"],
}
REVIEW_SIGNOFF = {RU: "Команда Lumen Home", ZH: "Lumen Home 客服团队", EN: "The Lumen Home team"}
CUSTOMER_SIGNOFF = {
    RU: ["С уважением,\n{name}", "{name}", "Заранее спасибо,\n{first}"],
    ZH: ["{name}", "谢谢！\n{name}", "盼复，{name}"],
    EN: ["Best regards,\n{name}", "Thanks,\n{first}", "{name}"],
}
# Inbound calls and walk-ins reach the desk as a transcript or a note typed at the counter.
CHANNEL_PREFIX = {
    "phone": {RU: "[Расшифровка звонка]\n", ZH: "[电话录音转写]\n", EN: "[Call transcript]\n"},
    "desk": {
        RU: "[Обращение на стойке выдачи]\n",
        ZH: "[门店柜台来访记录]\n",
        EN: "[Walk-in at the collection desk]\n",
    },
}
CHASE = {
    RU: [
        "Есть новости?",
        "Подскажите, пожалуйста, есть ли новости по моему обращению?",
        "Уже третий день жду ответа. Вы вообще читаете письма?",
    ],
    ZH: ["有进展了吗？", "请问我的问题处理得怎么样了？", "已经等了三天了，有人看消息吗？"],
    EN: [
        "Any news?",
        "Could you give me an update on this, please?",
        "Three days and no answer. Is anyone actually reading these?",
    ],
}
THANKS = {
    RU: ["Спасибо, всё получила!", "Отлично, спасибо за помощь.", "Спасибо, вопрос решён."],
    ZH: ["谢谢，已经收到了！", "太好了，谢谢帮忙。", "谢谢，问题解决了。"],
    EN: ["Thanks, got it!", "Great, thanks for your help.", "Thank you, that's sorted."],
}
# "Current state / next step" before the problem is settled (the scenario's own is for after).
SUMMARY_WAITING = {
    RU: "Сейчас: задали клиенту вопрос по заказу {order}, ждём ответа. Дальше: как ответит — решить по сути; если молчит 3 дня — напомнить.",
    ZH: "现状：已就订单 {order} 向客户询问，等待回复。下一步：客户回复后处理；三天没回复就提醒一下。",
    EN: "Now: asked the customer about order {order}, waiting for their answer. Next: sort it out once they reply; nudge them if it's quiet for 3 days.",
}
SUMMARY_OUR_TURN = {
    RU: "Сейчас: клиент прислал всё, что нужно (заказ {order}). Дальше: решить по сути и ответить сегодня.",
    ZH: "现状：客户已提供所需信息（订单 {order}）。下一步：今天内处理并回复客户。",
    EN: "Now: the customer has sent everything we need (order {order}). Next: act on it and reply today.",
}
DUPLICATE_PREFIX = {
    RU: "Пишу повторно — на прошлое письмо никто не ответил.\n\n",
    ZH: "我再发一次，上一封没有人回复。\n\n",
    EN: "Writing again as nobody has answered my last message.\n\n",
}
HANDOFF_NOTE = {
    "billing": {
        RU: "Передаю в биллинг: вопрос по деньгам.",
        ZH: "转给账务组处理，涉及付款。",
        EN: "Passing to Billing, this one is about money.",
    },
    "escalations": {
        RU: "Эскалация: передаю руководителю смены.",
        ZH: "升级处理：转给主管。",
        EN: "Escalating to the supervisor.",
    },
}
MERGE_NOTE = {
    RU: "Клиент написал повторно отдельным письмом — обращения объединены.",
    ZH: "客户又单独发了一封邮件，已合并工单。",
    EN: "Customer wrote again in a separate email; merged the two tickets.",
}
# The customer raises a second, unrelated problem in a reply: an agent splits it off.
SPLIT = {
    RU: (
        "И ещё, не по этой теме: мне пришло письмо, что подписка Lumen Care продлена и списано {amount}, хотя никакой подписки у меня не было. Это можно отменить?",
        "Списание за подписку Lumen Care",
    ),
    ZH: (
        "另外还有一件事，跟这个无关：我收到邮件说 Lumen Care 会员自动续费了，扣了 {amount}，可我根本没开通过。能取消吗？",
        "Lumen Care 会员扣费",
    ),
    EN: (
        "Also, separate thing: I got an email saying my Lumen Care subscription renewed and charged {amount}, but I never signed up for it. Can that be cancelled?",
        "Unexpected Lumen Care charge",
    ),
}
FLAG_REASONS = {
    "abusive": {
        RU: "Оскорбления и угрозы в переписке по заказу {order}. Общаться только письменно.",
        ZH: "在订单 {order} 的沟通中辱骂、威胁客服。只用书面方式沟通。",
        EN: "Insults and threats in the conversation about order {order}. Written contact only.",
    },
    "legal_threat": {
        RU: "Досудебная претензия, угроза суда. Отвечает только юрист.",
        ZH: "提出正式投诉并威胁起诉。只能由法务回复。",
        EN: "Letter before action, threatens court. Only legal replies.",
    },
    "vip": {
        RU: "Ключевой клиент: {reason}",
        ZH: "重要客户：{reason}",
        EN: "Key customer: {reason}",
    },
}
VIP_REASONS = {
    RU: ["корпоративный договор с SLA 24 часа", "постоянный клиент с 2016 года, более 40 заказов"],
    ZH: ["企业合同客户，SLA 24 小时", "2016 年起的老客户，下单超过 40 次"],
    EN: ["corporate contract with a 24-hour SLA", "loyal customer since 2016, over 40 orders"],
}

# --- what the tickets are about ----------------------------------------------------------

PRODUCTS = {
    # Russian declines "робот-пылесос", but not a model name: it fits any sentence as is.
    RU: [
        "Lumen R5",
        "Lumen Barista 2",
        "Lumen K1",
        "Lumen Buds",
        "Lumen Mist",
        "Lumen SteamPro",
        "Lumen Air 300",
    ],
    ZH: [
        "Lumen R5 扫地机器人",
        "Lumen Barista 2 咖啡机",
        "Lumen K1 电热水壶",
        "Lumen Buds 无线耳机",
        "Lumen Mist 加湿器",
        "Lumen SteamPro 蒸汽熨斗",
        "Lumen Air 300 空气净化器",
    ],
    EN: [
        "Lumen R5 robot vacuum",
        "Lumen Barista 2 coffee machine",
        "Lumen K1 kettle",
        "Lumen Buds wireless earbuds",
        "Lumen Mist humidifier",
        "Lumen SteamPro iron",
        "Lumen Air 300 air purifier",
    ],
}
AMOUNTS = {
    RU: ["1 490 ₽", "2 990 ₽", "4 990 ₽", "7 990 ₽", "12 990 ₽", "24 990 ₽", "39 990 ₽"],
    ZH: ["¥199", "¥399", "¥699", "¥1,299", "¥2,499", "¥3,999"],
    EN: ["£29.99", "£49.99", "£89.99", "£149.00", "£249.99", "£399.00"],
}
RU_MONTHS = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def format_date(lang: str, day) -> str:
    if lang == RU:
        return f"{day.day} {RU_MONTHS[day.month - 1]}"
    if lang == ZH:
        return f"{day.month}月{day.day}日"
    return f"{day.day} {EN_MONTHS[day.month - 1]}"


# --- who they are --------------------------------------------------------------------------

# (Cyrillic, Latin) pairs; surnames as (male, female, Latin).
RU_MALE = [
    ("Алексей", "aleksey"),
    ("Дмитрий", "dmitry"),
    ("Сергей", "sergey"),
    ("Андрей", "andrey"),
    ("Иван", "ivan"),
    ("Михаил", "mikhail"),
    ("Николай", "nikolay"),
    ("Павел", "pavel"),
    ("Артём", "artem"),
    ("Игорь", "igor"),
    ("Владимир", "vladimir"),
    ("Егор", "egor"),
    ("Роман", "roman"),
    ("Константин", "konstantin"),
]
RU_FEMALE = [
    ("Анна", "anna"),
    ("Ирина", "irina"),
    ("Екатерина", "ekaterina"),
    ("Ольга", "olga"),
    ("Наталья", "natalya"),
    ("Мария", "maria"),
    ("Светлана", "svetlana"),
    ("Татьяна", "tatiana"),
    ("Юлия", "yulia"),
    ("Елена", "elena"),
    ("Ксения", "ksenia"),
    ("Дарья", "darya"),
    ("Полина", "polina"),
    ("Вера", "vera"),
]
RU_SURNAMES = [
    ("Иванов", "Иванова", "ivanov"),
    ("Смирнов", "Смирнова", "smirnov"),
    ("Кузнецов", "Кузнецова", "kuznetsov"),
    ("Попов", "Попова", "popov"),
    ("Соколов", "Соколова", "sokolov"),
    ("Лебедев", "Лебедева", "lebedev"),
    ("Козлов", "Козлова", "kozlov"),
    ("Новиков", "Новикова", "novikov"),
    ("Морозов", "Морозова", "morozov"),
    ("Волков", "Волкова", "volkov"),
    ("Фёдоров", "Фёдорова", "fedorov"),
    ("Зайцев", "Зайцева", "zaitsev"),
    ("Белов", "Белова", "belov"),
    ("Гусев", "Гусева", "gusev"),
    ("Титов", "Титова", "titov"),
    ("Власов", "Власова", "vlasov"),
    ("Медведев", "Медведева", "medvedev"),
    ("Андреев", "Андреева", "andreev"),
]
ZH_SURNAMES = [
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
]
ZH_GIVEN = [
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("秀英", "xiuying"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("晓红", "xiaohong"),
    ("建国", "jianguo"),
    ("子涵", "zihan"),
    ("浩然", "haoran"),
    ("雨桐", "yutong"),
    ("思远", "siyuan"),
    ("欣怡", "xinyi"),
    ("俊杰", "junjie"),
]
EN_FIRST = [
    "Oliver",
    "James",
    "Harry",
    "Jack",
    "George",
    "Noah",
    "Amelia",
    "Olivia",
    "Isla",
    "Emily",
    "Sophie",
    "Grace",
    "Lucy",
    "Daniel",
    "Thomas",
    "Hannah",
    "Chloe",
    "Ryan",
    "Priya",
    "Mohammed",
    "Aisha",
    "Liam",
    "Sarah",
    "Rachel",
    "Fiona",
    "Callum",
]
EN_LAST = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Wright",
    "Robinson",
    "Thompson",
    "Evans",
    "Walker",
    "Hughes",
    "Green",
    "O'Brien",
    "Clarke",
    "Khan",
    "Murphy",
    "Campbell",
    "Stewart",
]

# Business customers, by the language they write in.
ORGANISATIONS = {
    RU: [
        ("ООО «Вектор-Строй»", "vector-stroy"),
        ("Гостиница «Волга»", "hotel-volga"),
        ("Коворкинг «Точка»", "tochka-cowork"),
    ],
    ZH: [
        ("上海华晨贸易有限公司", "huachen-trade"),
        ("深圳云帆科技有限公司", "yunfan-tech"),
        ("杭州悦居酒店", "yueju-hotel"),
    ],
    EN: [
        ("Brightwater Hotels Ltd", "brightwater-hotels"),
        ("Northwind Lettings", "northwind-lettings"),
        ("Harbour Dental Practice", "harbour-dental"),
    ],
}
ORGANISATION_NOTES = {
    RU: "Юрлицо, оплата по счёту, закрывающие документы — оригиналы почтой.",
    ZH: "企业客户，对公付款，需开增值税专用发票。",
    EN: "Business account, pays by bank transfer, needs VAT invoices.",
}
STAFF_ORGANISATION = "Lumen Home (staff)"
STAFF_DOMAIN = "lumen-home.example"  # colleagues' addresses: one department (demo/company.py)
# Departments that write to the desk (CH8): (name, e-mail local part, language, kind).
DEPARTMENTS = [
    ("Склад, Подольск", "sklad.podolsk", RU, "warehouse"),
    ("Отдел корпоративных продаж", "b2b.sales.ru", RU, "sales"),
    ("深圳仓库", "warehouse.shenzhen", ZH, "warehouse"),
    ("华东区销售部", "sales.east.cn", ZH, "sales"),
    ("UK Warehouse, Manchester", "warehouse.manchester", EN, "warehouse"),
    ("Corporate Sales UK", "corporate.sales.uk", EN, "sales"),
]
DEPARTMENT_NOTES = {
    RU: "Внутренний отдел. Отвечать в течение рабочего дня.",
    ZH: "公司内部部门，工作日内回复。",
    EN: "Internal department. Reply within the working day.",
}
CUSTOMER_NOTES = {
    RU: [
        "Предпочитает звонки после 18:00.",
        "Просит писать, а не звонить.",
        "Два робота R5 — дома и на даче.",
        "Покупает подарки к праздникам, уточнять адрес.",
    ],
    ZH: [
        "工作日白天不方便接电话。",
        "希望通过邮件沟通。",
        "家里和办公室各有一台 R5。",
        "经常买来送人，发货前确认地址。",
    ],
    EN: [
        "Prefers email; works nights.",
        "Hard of hearing: write rather than call.",
        "Has two R5 robots, home and office.",
        "Often buys gifts; confirm the address.",
    ],
}
ANNIVERSARY_LABELS = {
    RU: ["Клиент с этого дня", "Годовщина свадьбы", "Первая покупка"],
    ZH: ["成为会员纪念日", "结婚纪念日", "首次购买"],
    EN: ["Customer since", "Wedding anniversary", "First purchase"],
}
