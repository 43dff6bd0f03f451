"""News sentences written for earshot (issue 24, item 5): calm, factual reports about a company.

A PR team reads a factual report of a defect, a recall, a complaint wave, a lawsuit, a fine or an outage
about its brand as bad news, however calm the tone; the public corpora in ../shared/data/sentiment hold
almost no such news (Financial PhraseBank is CC BY-NC-SA: evaluation only). These templates were written
for earshot (no copy of any article), in simplified Chinese and English, with neutral and positive news
beside the negative so the model does not learn "news = negative". Each template is filled with invented
brand names (seeded), so the model learns the event, not a name. None of the brands or events of
tests/fixtures/sentiment/mixed-reviews.csv or the demo's stories are used here.

    rows(seed) -> [(label, lang, text)]   label: 0 negative, 1 neutral, 2 positive
"""
import random

ZH_BRANDS = ["星耀", "蓝海", "青禾", "凌云", "天穹", "朗峰", "金橙", "银杉", "海棠", "红枫", "紫荆", "明川",
             "泰和", "安澜", "恒远", "嘉禾", "锦程", "瑞丰", "启航", "云帆", "松果", "白鹭", "墨竹", "赤霄",
             "东岳", "南湖", "西岭", "北斗星", "极光", "磐石"]
EN_BRANDS = ["Halvorsen", "Quillon", "Marrow & Finch", "Tessaly", "Brookvale", "Corvane", "Dunmore Foods",
             "Elkridge", "Fenwick Air", "Glenmoor", "Ivory Coast Mobile", "Juniper Labs", "Kestrel Auto",
             "Larchmont Bank", "Morrow Health", "Nettle & Co", "Oakhurst", "Pellham Motors", "Quayside Telecom",
             "Redfern Toys", "Solace Pharma", "Tamsin Air", "Umber Home", "Vantor", "Wexford Energy",
             "Yarrow Foods", "Zenith Grid", "Ashby Apparel", "Belmont Rail", "Calloway Tech"]

ZH_NEG = [
    "{B}汽车宣布召回部分2023款车型，原因是制动系统软件存在缺陷，极端情况下可能延长刹车距离。",
    "{B}公告称，因部分批次充电器存在过热风险，将对涉及的产品进行免费更换。",
    "市场监管部门通报，{B}生产的一批儿童玩具小零件易脱落，存在误吞风险，已责令下架。",
    "记者了解到，{B}近一个月收到大量用户投诉，主要涉及会员自动续费后无法退款。",
    "{B}因虚假宣传被处以罚款五十万元，其广告中宣称的功效没有任何检测依据。",
    "多名消费者起诉{B}，称其出售的二手车隐瞒了事故记录。",
    "{B}的一款热销电动牙刷被曝电池鼓包，公司回应称正在排查原因。",
    "受系统故障影响，{B}银行手机客户端昨日有近六个小时无法登录，部分转账延迟到账。",
    "据黑猫投诉平台数据，{B}本季度的投诉量环比上升了七成，多与发货延迟有关。",
    "{B}外卖平台被曝部分合作商家无证经营，后厨卫生状况堪忧。",
    "{B}旗下一款奶粉被检出某项营养成分不达标，相关批次已紧急召回。",
    "{B}今日被监管部门约谈，原因是其App存在过度收集用户个人信息的问题。",
    "{B}发布新款手机后，不少用户反映系统更新后频繁死机，官方尚未给出解决时间。",
    "{B}物流的多个分拣中心出现包裹积压，大批用户的快递超过一周仍未送达。",
    "一名前员工将{B}告上法庭，指控公司长期拖欠加班费。",
    "{B}股价今日大跌百分之九，此前公司披露上半年净利润同比下降四成。",
    "{B}航空昨晚多个航班因机务问题取消，数百名旅客滞留机场，改签安排引发不满。",
    "有用户在社交平台发帖称，{B}的空气净化器使用三个月后滤网发出异味，客服拒绝退换。",
    "{B}承认其数据库遭到未授权访问，约二十万用户的手机号和地址可能已经泄露。",
    "消协发布消费警示，提醒消费者注意{B}健身房预付卡跑路风险，已有多家门店关闭。",
    "{B}此前因设计获得不少好评，但近期被检测机构发现其电热水壶的材料不符合国家标准。",
    "{B}新车上市首月销量不错，不过已有多名车主反映车机黑屏、倒车影像失灵等问题。",
    "因涉嫌价格欺诈，{B}超市被当地市场监管局立案调查。",
    "{B}的一批冷冻食品被检出致病菌，涉事产品已在全国范围下架。",
    "{B}电动车在小区充电时起火，消防部门初步认定起火原因为电池故障。",
    "{B}教育突然关闭多个校区，数百名家长的预交学费至今未能退还。",
    "{B}的热水器存在漏电隐患，国家市场监督管理总局发布了缺陷产品召回公告。",
    "{B}因延误工程进度被业主集体投诉，多栋住宅交付时间推迟超过一年。",
    "有媒体调查发现，{B}部分门店存在使用过期原料的情况，公司表示将全面整改。",
    "{B}宣布裁员约一成，涉及研发和销售部门，这是公司今年第二次裁员。",
    "{B}的打车平台发生乘客安全事件，引发公众对其司机审核机制的质疑。",
    "{B}手机的多款旧机型被曝降速，用户认为公司有意诱导换机。",
    "{B}化妆品因添加禁用成分被通报，相关产品被责令停止销售。",
    "据报道，{B}的冰箱在保修期内频繁出现不制冷的问题，售后维修需要等待一个月以上。",
    "{B}出行今年第三次上调服务费，不少用户表示将改用其他平台。",
    "{B}被曝在招聘中设置性别限制，相关部门已介入调查。",
    "{B}的智能门锁被安全研究人员发现存在漏洞，可以被远程打开。",
    "{B}因环保不达标被责令停产整顿，周边居民此前多次反映异味问题。",
    "{B}发布澄清公告，但未能解释产品说明书与实际参数不符的原因，质疑声持续。",
    "{B}的会员积分规则突然调整，大量用户积分被清零，客服电话长时间无法接通。",
    "{B}旗下酒店被曝床单未按规定更换，酒店方面已向住客致歉。",
    "{B}的一款儿童座椅在第三方碰撞测试中得分最低，安全带卡扣出现松脱。",
    "{B}快递员投诉公司克扣派件费，部分网点出现停摆。",
    "{B}的新款耳机首批用户反映左右声道音量不一致，官方客服承认存在批次问题。",
    "{B}披露财报后，审计机构对其部分收入的确认方式提出保留意见。",
    "{B}遭消费者联名投诉，称其宽带实际网速远低于套餐承诺。",
    "{B}的扫地机器人被指存在隐私风险，其摄像头拍摄的画面被上传至境外服务器。",
    "{B}房地产的多个楼盘停工，购房者担心无法按期收房。",
    "{B}的在线课程退费难问题持续发酵，已有上百名学员向主管部门反映。",
    "{B}的电动自行车因刹车失灵导致多起事故，厂家暂停了该型号的销售。",
    "根据法院公开的判决书，{B}因侵犯他人专利被判赔偿八百万元。",
    "{B}的多款洗发水被检测出防腐剂含量超出标注范围。",
    "{B}游戏因诱导未成年人充值被家长投诉，公司表示将完善退款机制。",
    "{B}客服系统长期无人应答，用户反映问题一个月仍未得到处理。",
    "{B}被曝使用不合格的建筑材料，已交付的部分房屋墙体出现裂缝。",
    "{B}高铁线路因设备故障停运两小时，数十趟列车晚点。",
    "{B}此前宣传的续航里程在实际测试中缩水三成，车主要求厂家给出说法。",
    "{B}被列入经营异常名录，原因是未按时公示年度报告且无法联系。",
    "{B}一款爆款零食被消费者发现包装内有异物，公司回应称已封存同批次产品。",
    "{B}的共享充电宝收费标准被指不透明，多地消费者投诉被多扣费用。",
]
ZH_NEU = [
    "{B}今日发布第三季度财报，营收与去年同期基本持平。",
    "{B}宣布将于下月在上海举办新品发布会。",
    "{B}任命了新的首席财务官，原财务负责人将转任顾问。",
    "{B}在深圳开设了华南地区的第二家旗舰店。",
    "{B}表示，其新款笔记本电脑将于十一月起在各大电商平台销售。",
    "据{B}官方介绍，新车型提供两种配置，售价区间为十五万至二十万元。",
    "{B}与一家物流公司签署了合作协议，双方将共享部分仓储资源。",
    "{B}的年度用户大会将于周六举行，届时会公布明年的产品路线图。",
    "{B}将把总部从杭州迁至苏州，相关工作预计明年完成。",
    "{B}发布公告称，公司董事会已审议通过年度利润分配方案。",
    "{B}今年参展了国际消费电子展，展出了三款智能家居产品。",
    "{B}的新款手机搭载六点七英寸屏幕和五千毫安时电池。",
    "{B}旗下的咖啡品牌将在春节期间调整部分门店的营业时间。",
    "{B}表示，本次系统升级将在周日凌晨进行，期间部分功能暂停使用。",
    "{B}的股东大会定于六月二十日召开。",
    "{B}公布了今年的校园招聘计划，岗位主要集中在研发和设计方向。",
    "{B}的新工厂已完成奠基，预计两年后投产。",
    "{B}与高校联合成立了人工智能实验室。",
    "{B}发言人表示，公司对市场传闻不予置评。",
    "{B}更新了用户协议，新的条款将于下月一日生效。",
    "{B}宣布其会员服务将增加视频和音乐两项内容。",
    "{B}的线下门店数量目前为一千二百家，覆盖全国二百多个城市。",
    "{B}表示将继续推进海外市场布局，首站为东南亚。",
    "{B}新推出的电动车共有五种车身颜色可选。",
    "{B}将在本周五公布新一季的产品价格。",
    "{B}的创始人在论坛上分享了公司过去十年的发展历程。",
    "{B}今日上线了新版官网，界面和栏目均有调整。",
    "{B}的年报显示，公司员工总数约为八千人。",
    "{B}计划明年推出面向老年人的简化版手机。",
    "{B}的客服热线将在国庆期间照常提供服务。",
]
ZH_POS = [
    "{B}第三季度营收同比增长三成，净利润创历史新高。",
    "{B}的新款手机开售首日销量突破十万台，多个型号一度售罄。",
    "{B}在年度质量评选中获得金奖，评审称赞其产品可靠耐用。",
    "{B}宣布为所有受影响用户免费延长保修两年，获得消费者普遍好评。",
    "{B}的新能源车在权威碰撞测试中获得五星安全评级。",
    "{B}连续三年在客户满意度调查中位列行业第一。",
    "{B}捐赠五百万元用于灾区重建，并派出志愿者团队参与救援。",
    "{B}自主研发的芯片成功量产，性能达到国际先进水平。",
    "多家评测机构认为，{B}的新款耳机降噪效果出色，是同价位中最值得购买的产品。",
    "{B}的股价今日上涨百分之八，此前公司获得了一笔大额海外订单。",
    "{B}推出的以旧换新活动反响热烈，门店客流明显增加。",
    "{B}的外卖骑手保障计划获得了行业协会的表彰。",
    "{B}的售后服务效率大幅提升，平均维修时间缩短到两天以内。",
    "{B}获得了一笔十亿元的新融资，投资方看好其长期发展。",
    "{B}的新品在电商平台上获得了九成以上的好评率。",
    "{B}宣布全线产品降价，并承诺不降低配置和服务。",
    "{B}的环保包装方案被评为年度绿色创新案例。",
    "{B}航空的准点率位居国内航司首位，旅客满意度持续上升。",
    "{B}开设的社区服务中心受到居民欢迎，日均接待上千人次。",
    "{B}的应用在应用商店中评分高达四点九分，用户称赞其简洁好用。",
    "{B}新工厂投产后将为当地带来三千个就业岗位。",
    "{B}的电动车续航表现超出预期，实测成绩优于官方数据。",
    "{B}主动公开了产品检测报告，各项指标均优于国家标准。",
    "{B}的新系统更新修复了此前用户反映的大部分问题，运行更加流畅。",
    "{B}入选了年度最具成长性企业榜单。",
    "{B}的客服团队因快速响应用户问题在社交媒体上收获大量点赞。",
    "{B}与多家医院合作推出的健康服务深受用户认可。",
    "{B}今年的出口额同比翻番，海外市场表现亮眼。",
    "{B}的新款冰箱能耗比上一代降低两成，并获得节能认证。",
    "{B}宣布提高一线员工薪资待遇，员工满意度明显提升。",
]
EN_NEG = [
    "{B} is recalling about 25,000 vehicles because a wiring fault can disable the rear lights, the company said.",
    "{B} said some of its power banks may overheat and asked customers to stop using them.",
    "Regulators fined {B} $3 million for failing to disclose fees to customers.",
    "A group of customers has sued {B}, alleging that its subscription was impossible to cancel.",
    "{B}'s app was down for most of Monday, leaving users unable to place orders.",
    "{B} confirmed that hackers accessed the personal data of about 200,000 customers.",
    "Shares of {B} fell 12% after the company cut its full-year forecast.",
    "{B} has halted sales of its newest blender after reports that the blade assembly can break loose.",
    "Complaints about {B}'s delivery delays doubled in the third quarter, according to the consumer watchdog.",
    "Inspectors found unsanitary conditions at two {B} plants, and the company has paused production there.",
    "{B} will lay off 1,200 workers as demand for its products slows.",
    "The safety agency opened an investigation into {B} after several reports of brake failures.",
    "{B}'s flagship phone, well reviewed at launch, is now the subject of complaints about a defective display.",
    "{B} apologised after a billing error charged thousands of customers twice.",
    "A court ordered {B} to pay $12 million in damages for patent infringement.",
    "Parents have complained that {B}'s children's car seat failed a crash test by an independent lab.",
    "{B} admitted that the battery life it advertised for its laptops was measured under unrealistic conditions.",
    "Hundreds of passengers were stranded overnight after {B} cancelled flights because of a staffing shortage.",
    "{B} is under investigation for allegedly misleading investors about its sales figures.",
    "Customers report that {B}'s support line has not answered calls for weeks.",
    "{B} pulled a batch of baby formula from shelves after tests found contamination.",
    "Former staff accuse {B} of unpaid overtime in a lawsuit filed this week.",
    "{B}'s smart locks can be opened remotely because of a security flaw, researchers said.",
    "{B} raised prices for the third time this year, drawing criticism from long-time customers.",
    "An outage at {B} left internet customers in three states offline for nearly a day.",
    "{B} was ordered to stop marketing its supplement after regulators found its health claims unsupported.",
    "Several {B} electric scooters caught fire while charging, prompting a recall notice.",
    "The watchdog said {B} had ignored repeated warnings about misleading advertisements.",
    "{B} missed its delivery deadline for the new trains, delaying the line's opening by a year.",
    "Tenants in {B}'s buildings say repair requests have gone unanswered for months.",
    "{B} disclosed that its auditor resigned, citing concerns about revenue recognition.",
    "{B}'s software update bricked some older devices, users reported on its forums.",
    "The airline regulator said {B} had the worst on-time record of any carrier last quarter.",
    "{B} is facing a boycott after a leaked memo showed it planned to cut warranty coverage.",
    "Health officials linked an outbreak of food poisoning to salads sold at {B} stores.",
    "{B} delayed refunds for cancelled orders for up to three months, the consumer agency found.",
    "The union says {B} has closed two warehouses without notice, affecting 400 workers.",
    "{B}'s heaters were found to exceed safe surface temperatures, and the company has stopped shipping them.",
    "{B} lost a key contract after failing a government security review.",
    "Users say {B}'s fitness tracker miscounts steps and heart rate, and the company has not responded.",
    "{B} was caught selling refurbished phones as new, according to a local investigation.",
    "The stock of {B} slid after it warned that a product defect would cost it $40 million to fix.",
    "{B} closed 60 stores this year and said more closures are likely.",
    "Drivers have complained that {B}'s navigation system freezes on long trips.",
    "A product safety test found lead in paint used on {B}'s toys.",
    "{B}'s bank customers were hit by fraudulent charges after a breach at a payment partner.",
    "{B} paid a settlement to resolve claims that it discriminated against older job applicants.",
    "Reviews of {B}'s new game have been dominated by reports of crashes and lost save files.",
    "{B} said a fire at its main factory will delay shipments for several weeks.",
    "The regulator rejected {B}'s application after finding gaps in its safety data.",
]
EN_NEU = [
    "{B} will report its quarterly results on Thursday.",
    "{B} named a new chief operating officer, effective next month.",
    "{B} opened a regional office in Singapore.",
    "{B} said its new laptop will be available in three colours from October.",
    "{B}'s annual shareholder meeting is scheduled for June 12.",
    "{B} signed a distribution agreement with a European retailer.",
    "{B} will move its headquarters to Austin over the next two years.",
    "The new {B} model comes in two trims, priced from $32,000.",
    "{B} updated its privacy policy; the changes take effect on March 1.",
    "{B} declined to comment on reports about a possible acquisition.",
    "{B} employs about 9,000 people in 14 countries.",
    "{B} will hold its developer conference in San Francisco in May.",
    "{B} is testing a new delivery service in two cities.",
    "{B}'s board approved the annual dividend at the same level as last year.",
    "{B} said scheduled maintenance will take its website offline for two hours on Sunday night.",
    "{B} launched a redesigned version of its mobile app.",
    "{B} plans to publish its sustainability report in the autumn.",
    "{B} confirmed it will attend the trade show in Berlin next month.",
    "{B}'s founder spoke about the company's history at a conference on Tuesday.",
    "{B} has appointed an external firm to review its supply chain.",
]
EN_POS = [
    "{B} reported record quarterly profit, beating analysts' expectations.",
    "{B}'s new phone sold out within hours of its launch.",
    "{B} won a national award for customer service for the third year in a row.",
    "The safety agency gave {B}'s new SUV its top five-star rating.",
    "{B} extended its warranty to five years at no extra cost, a move customers welcomed.",
    "Shares of {B} jumped 10% after it won a major government contract.",
    "Reviewers praised {B}'s new headphones for their sound and battery life.",
    "{B} will add 2,000 jobs at a new plant, the company said.",
    "{B} topped the annual customer satisfaction survey for airlines.",
    "{B} donated $5 million to flood relief and sent volunteers to help.",
    "{B}'s software update fixed the bugs users had reported and made the app noticeably faster.",
    "{B} cut prices across its range while keeping the same features.",
    "Independent tests found {B}'s appliances used less energy than the label stated.",
    "{B} raised wages for its warehouse staff, and staff turnover fell sharply.",
    "{B}'s new battery plant will make it one of the largest producers in the region.",
    "{B} was named one of the best places to work by an industry survey.",
    "Sales of {B}'s electric bikes doubled this year.",
    "{B}'s quick refunds after the storm earned it praise from customers online.",
    "{B} secured $200 million in new funding from long-term investors.",
    "Doctors praised {B}'s new device for making home monitoring easier.",
]


def rows(seed=20261207, per_template=3):
    """Every template filled with `per_template` distinct brands (seeded): [(label, lang, text)]."""
    rng = random.Random(seed)
    out = []
    for lang, brands, groups in (("zh", ZH_BRANDS, ((0, ZH_NEG), (1, ZH_NEU), (2, ZH_POS))),
                                 ("en", EN_BRANDS, ((0, EN_NEG), (1, EN_NEU), (2, EN_POS)))):
        for label, templates in groups:
            for t in templates:
                for b in rng.sample(brands, per_template):
                    out.append((label, lang, t.replace("{B}", b)))
    return out


if __name__ == "__main__":
    import collections
    r = rows()
    print(len(r), collections.Counter((x[1], x[0]) for x in r))


# Whole articles (issue 24, items 3 and 5): a news story is a lead that says what happened plus background and
# follow-up sentences. A calm report of trouble often carries a sentence of earlier praise ("the model sold
# well at launch"), and good news often recalls an old problem; the verdict is the story's event, not the
# sentence with the strongest words. Each article joins one lead from the lists above with one or two
# background sentences of the opposite colour and a neutral follow-up, the background placed before or after
# the lead at random, so the model learns to weigh the whole text. Written for earshot; none of the mixed-review
# set's or the demo's brands, events or sentences.
ZH_BG_PRAISE = [
    "{B}成立于二〇〇九年，旗下产品一向以做工扎实著称，在年轻用户中口碑不错。",
    "该产品去年上市时颇受欢迎，曾连续数月位居电商平台同类销量榜前三。",
    "{B}此前凭借亲民的价格和出色的设计积累了大量忠实用户。",
    "这款产品发布之初评测普遍给出高分，不少媒体称赞其性价比。",
    "{B}去年营收增长强劲，被业内视为细分市场的领先者之一。",
    "据了解，该系列开卖时曾在两小时内售罄，用户评价以好评为主。",
    "{B}的门店以服务周到闻名，多次获得消费者满意度奖项。",
    "该公司的上一代产品口碑很好，复购率在行业内名列前茅。",
]
ZH_BG_TROUBLE = [
    "{B}前年曾因产品质量问题被消费者投诉，此后进行了全面整改。",
    "此前该公司一度因供应链紧张推迟交付，引发部分用户不满。",
    "{B}去年业绩承压，营收出现小幅下滑。",
    "两年前{B}曾因一款产品的续航问题饱受诟病。",
    "该品牌此前的门店扩张并不顺利，一度关闭了十余家门店。",
]
ZH_ELABORATE = [
    "话题在社交平台迅速发酵，相关讨论的阅读量已超过百万。",
    "记者注意到，类似的反映最早出现在上个月，近一周明显增多。",
    "多名用户在社交平台晒出了相关照片和聊天记录。",
    "消息传出后，不少网友在评论区分享了自己的经历。",
    "据不完全统计，涉及的地区已超过十个省份。",
    "此事引起了不少行业人士的关注。",
]
ZH_FOLLOW = [
    "公司表示将持续关注此事进展，并及时向公众通报。",
    "截至发稿时，{B}官方尚未就此作出进一步回应。",
    "记者将持续跟进相关情况。",
    "据悉，相关部门已经注意到此事。",
    "{B}方面称，更多细节将在近期公布。",
    "业内人士认为，此事的后续影响仍有待观察。",
]
EN_BG_PRAISE = [
    "{B} built its name on well-made, fairly priced products and has a loyal following.",
    "The product sold out within hours at launch last year and reviewers praised its design.",
    "Founded in 2008, {B} has grown quickly and is widely seen as a leader in its market.",
    "Early reviews of the model were glowing, and it topped the sales charts for months.",
    "{B} reported record revenue last year and won several customer-service awards.",
    "The brand's previous generation was a best seller with strong repeat purchases.",
]
EN_BG_TROUBLE = [
    "{B} faced complaints about product quality two years ago and overhauled its testing since.",
    "The company delayed deliveries last year because of supply shortages, which upset some customers.",
    "{B}'s revenue slipped last year as competition grew.",
    "Two years ago {B} was criticised over the battery life of an earlier model.",
    "The brand closed a dozen stores last year after an expansion that did not go to plan.",
]
EN_ELABORATE = [
    "The story spread quickly on social media, where posts about it drew millions of views.",
    "Similar reports first appeared last month and have grown in the past week.",
    "Several customers shared photos and screenshots online.",
    "Readers described their own experiences in the comments.",
    "The reports come from at least ten states so far.",
    "The news drew attention from across the industry.",
]
EN_FOLLOW = [
    "The company said it would share more details in the coming days.",
    "{B} did not respond to a request for further comment by the time of publication.",
    "Regulators said they were aware of the matter.",
    "Analysts said it was too early to judge the longer-term effect.",
    "A spokesperson said the company was monitoring the situation closely.",
]


def articles(seed=20261208, per_lead=3):
    """Multi-sentence news stories -> [(label, lang, text)]; the label is the lead's.

    The lead comes first most of the time, as in news, with an elaborating sentence after it half of the
    time; the background sentences go before or after it."""
    rng = random.Random(seed)
    out = []
    for lang, brands, sep, leads, praise, trouble, elaborate, follow in (
            ("zh", ZH_BRANDS, "", (ZH_NEG, ZH_NEU, ZH_POS), ZH_BG_PRAISE, ZH_BG_TROUBLE, ZH_ELABORATE, ZH_FOLLOW),
            ("en", EN_BRANDS, " ", (EN_NEG, EN_NEU, EN_POS), EN_BG_PRAISE, EN_BG_TROUBLE, EN_ELABORATE,
             EN_FOLLOW)):
        for label, templates in enumerate(leads):
            for t in templates:
                for _ in range(per_lead):
                    b = rng.choice(brands)
                    # trouble gets praise beside it, good news an old problem, neutral news either
                    bg_pool = praise if label == 0 else trouble if label == 2 else rng.choice((praise, trouble))
                    bg = rng.sample(bg_pool, rng.choice((1, 1, 2)))
                    lead = [t] + ([rng.choice(elaborate)] if label == 0 and rng.random() < 0.5 else [])
                    parts = lead + bg if rng.random() < 0.7 else bg + lead
                    if rng.random() < 0.6:
                        parts.append(rng.choice(follow))
                    out.append((label, lang, sep.join(p.replace("{B}", b) for p in parts)))
    return out
