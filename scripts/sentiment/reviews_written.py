"""Mixed reviews written for earshot (issue 24, item 3): the overall verdict, not one complaint or one compliment.

Most reviews people write are mixed: a complaint and then "but overall fine", or praise and then the problem
that made them give up. The public corpora label them by the reviewer's verdict, but hold too few for the model
to learn how contrast works (不过/但是/可惜/总体来说, but/overall/still): it read any complaint clause as a
negative review. These clauses were written for earshot, across many domains (phones, laptops, appliances,
restaurants, hotels, delivery, apps, airlines, banks, clothing, cosmetics, courses), none copied from a corpus
and none taken from tests/fixtures/sentiment/mixed-reviews.csv (its rows are the test). A review joins clauses of
one colour, a contrast word, clauses of the other colour and, sometimes, a verdict; the label is the side the
review ends on, or the verdict it states (a verdict opening the review: "总体满意，就是…"). Reviews with no
contrast are mixed in so the model does not learn "a contrast word means the second half wins" alone.

    rows(seed) -> [(label, lang, text)]   label: 0 negative, 2 positive
"""
import random

ZH_BAD = [
    "物流比预期慢了三天", "包装盒压坏了一个角", "客服回消息要等半天", "说明书写得不清楚", "价格比别家贵一点",
    "电池续航只能撑一天", "开机时风扇声音有点大", "屏幕边缘有轻微漏光", "充电器发热比较明显", "颜色和图片有色差",
    "尺码偏小一号", "面料摸起来有点硬", "味道偏咸", "上菜速度太慢", "排队等了四十分钟", "停车位很难找",
    "房间的隔音一般", "早餐种类偏少", "卫生间有点旧", "空调噪音不小", "配送员没打电话就放门口了", "汤洒了一点",
    "App 的广告有点多", "注册流程太繁琐", "偶尔会卡顿一下", "登机口临时更换了", "航班晚点了一个小时",
    "柜台办业务要排很久", "老师语速偏快", "课件有几处小错误", "安装师傅迟到了半小时", "遥控器手感廉价",
    "气味有点刺鼻", "瓶子设计不方便挤", "赠品没有按宣传送", "发票开得很慢",
]
ZH_GOOD = [
    "用起来非常顺手", "做工比想象中精致", "性价比很高", "客服最后帮忙解决得很好", "拍照效果很出色",
    "运行速度很快", "屏幕显示清晰细腻", "穿上很舒服", "版型很好看", "味道很正宗", "分量很足", "食材新鲜",
    "服务员态度热情", "房间干净整洁", "床很舒服睡得很好", "位置很方便", "送到时饭菜还是热的", "包装很严实",
    "界面简洁好用", "功能很齐全", "机组人员很贴心", "退改签处理得很快", "理财经理讲解很耐心", "课程内容很扎实",
    "老师答疑很及时", "安装得很规范", "制冷效果很好", "用了一个月皮肤状态变好了", "质量没得挑",
    "售后主动联系补偿了", "噪音控制得不错", "续航比上一代强很多",
]
ZH_TO_GOOD = ["不过", "但是", "可是", "好在", "还好", "不过总体来说", "但总的来说", "瑕不掩瑜，"]
ZH_TO_BAD = ["但是", "可惜", "不过", "可是", "没想到", "结果"]
ZH_MINOR = ["就是", "只是", "唯一的缺点是", "美中不足的是"]
ZH_GOOD_VERDICT = ["会回购", "推荐购买", "给个好评", "整体很满意", "下次还会再来", "五星好评", "值得入手"]
ZH_BAD_VERDICT = ["不会再买了", "差评", "很失望", "不推荐", "后悔了", "已经申请退货", "不会再来了"]
ZH_OPEN_GOOD = ["总体满意，", "整体还是推荐的，", "总的来说不错，"]
ZH_OPEN_BAD = ["总体很失望，", "整体不推荐，", "说实话不太满意，"]

EN_BAD = [
    "shipping took three days longer than promised", "the box arrived crushed", "support was slow to answer",
    "the manual is vague", "it costs a bit more than elsewhere", "the battery barely lasts a day",
    "the fan is loud at start-up", "the colour differs from the photos", "it runs a size small",
    "the fabric feels stiff", "the food was a little salty", "we waited forty minutes for a table",
    "parking was hard to find", "the walls are thin", "breakfast was limited", "the bathroom is dated",
    "the courier left it at the door without calling", "the app shows too many ads", "sign-up is tedious",
    "it lags now and then", "the flight left an hour late", "the branch queue was long",
    "the teacher talks too fast", "the installer was late", "the remote feels cheap", "the scent is strong",
]
EN_GOOD = [
    "it is a joy to use", "the build quality is excellent", "it is great value", "support sorted it out in the end",
    "the camera is superb", "it is fast", "the screen is sharp", "it is very comfortable", "the fit is perfect",
    "the food was delicious", "portions were generous", "the staff were warm and helpful", "the room was spotless",
    "the bed was comfortable", "the location is perfect", "the meal arrived hot", "the interface is clean",
    "the crew were lovely", "the refund came quickly", "the adviser was patient", "the course content is solid",
    "the installation was neat", "it cools the room quickly", "my skin has never looked better",
    "after-sales called me back with a voucher", "battery life is much better than the old model",
]
EN_TO_GOOD = ["but", "but overall", "still,", "that said,", "however,", "but in the end"]
EN_TO_BAD = ["but", "however,", "unfortunately", "sadly", "then"]
EN_MINOR = ["my only gripe is that", "the one downside is that", "only"]
EN_GOOD_VERDICT = ["I would buy it again.", "Recommended.", "Happy with it.", "We will be back.", "Five stars."]
EN_BAD_VERDICT = ["I would not buy it again.", "Avoid.", "Very disappointed.", "Returning it.", "Never again."]
EN_OPEN_GOOD = ["Happy overall, ", "Recommended overall, though "]
EN_OPEN_BAD = ["Disappointed overall: ", "Not recommended, even though "]


def _zh(rng, first, second, marker, verdict):
    text = "，".join(first) + "，" + marker + "，".join(second)
    return text + ("，" + verdict if verdict else "") + "。"


def _en(rng, first, second, marker, verdict):
    text = ", ".join(first) + ", " + marker + " " + ", ".join(second) + "."
    text = text[0].upper() + text[1:]
    return text + (" " + verdict if verdict else "")


def rows(seed=20261209, n=1200):
    rng = random.Random(seed)
    out = []
    for lang, bad, good, to_good, to_bad, minor, gv, bv, og, ob, join in (
            ("zh", ZH_BAD, ZH_GOOD, ZH_TO_GOOD, ZH_TO_BAD, ZH_MINOR, ZH_GOOD_VERDICT, ZH_BAD_VERDICT, ZH_OPEN_GOOD,
             ZH_OPEN_BAD, _zh),
            ("en", EN_BAD, EN_GOOD, EN_TO_GOOD, EN_TO_BAD, EN_MINOR, EN_GOOD_VERDICT, EN_BAD_VERDICT, EN_OPEN_GOOD,
             EN_OPEN_BAD, _en)):
        for i in range(n):
            kind = i % 7
            a, b = rng.choice((1, 1, 2)), rng.choice((1, 2, 2))
            if kind in (0, 1):  # complaint, contrast, praise: positive
                label = 2
                text = join(rng, rng.sample(bad, a), rng.sample(good, b), rng.choice(to_good),
                            rng.choice(gv) if rng.random() < 0.5 else "")
            elif kind in (2, 3):  # praise, contrast, complaints that outweigh it: negative
                label = 0
                text = join(rng, rng.sample(good, a), rng.sample(bad, b), rng.choice(to_bad),
                            rng.choice(bv) if rng.random() < 0.7 else "")
            elif kind == 6:  # praise and one minor reservation ("就是…", "my only gripe…"): positive
                label = 2
                text = join(rng, rng.sample(good, b), rng.sample(bad, 1), rng.choice(minor),
                            rng.choice(gv) if rng.random() < 0.3 else "")
            elif kind == 4:  # the verdict first, then the other colour: the verdict wins
                label = rng.choice((0, 2))
                opener = rng.choice(og if label == 2 else ob)
                other = rng.sample(bad if label == 2 else good, a)
                sep = "，" if lang == "zh" else ", "
                text = opener + sep.join(other) + ("。" if lang == "zh" else ".")
            else:  # one colour only
                label = rng.choice((0, 2))
                side = rng.sample(good if label == 2 else bad, a + 1)
                sep = "，" if lang == "zh" else ", "
                text = sep.join(side)
                text = (text + "。") if lang == "zh" else (text[0].upper() + text[1:] + ".")
            out.append((label, lang, text))
    return out


if __name__ == "__main__":
    import collections
    r = rows()
    print(len(r), collections.Counter((x[1], x[0]) for x in r))
    for x in random.Random(1).sample(r, 8):
        print(x)
