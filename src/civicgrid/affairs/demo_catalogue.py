"""The demo district's item catalogue: 33 items of 11 departments, written for the demo (their
documents, limits and bases are plausible for a Chinese district's community affairs centre, not
copied from any one city's list). Used by demo.py; a real installation imports its own from Excel."""
from __future__ import annotations

# Departments the catalogue needs beyond the demo district's command-centre departments:
# (key, name, short name, street unit name template or None)
EXTRA_DEPARTMENTS = [
    ("HRS", "人力资源和社会保障局", "人社", "{street}社保所"),
    ("MED", "医疗保障局", "医保", None),
    ("DPF", "残疾人联合会", "残联", None),
    ("VET", "退役军人事务局", "退役军人", "{street}退役军人服务站"),
]

ID = {"code": "id", "name": "申请人居民身份证", "form": "both", "register": True}
HUKOU = {"code": "hukou", "name": "户口簿", "form": "both", "register": True}
PHOTO = {"code": "photo", "name": "近期免冠一寸照片", "form": "original", "copies": 2}
BANK = {"code": "bank", "name": "本人社会保障卡或银行卡", "form": "copy"}
AGENT = {"code": "agent", "name": "代办人身份证及委托书", "form": "both", "required": False}
INCOME = {"code": "income", "name": "家庭成员收入证明", "form": "original"}
HOUSE = {"code": "house", "name": "住房情况证明（产权证或租赁合同）", "form": "copy"}
MEDICAL = {"code": "medical", "name": "二级以上医院诊断证明及病历", "form": "copy"}

NAME = {"key": "name", "label": "申请人姓名", "type": "text", "required": True, "prefill": "name",
        "rules": {"max_length": 20}}
IDNO = {"key": "id_number", "label": "身份证号码", "type": "id_number", "required": True, "prefill": "id_number"}
PHONE = {"key": "phone", "label": "手机号码", "type": "phone", "required": True, "prefill": "phone"}
ADDRESS = {"key": "address", "label": "现居住地址", "type": "text", "required": True, "prefill": "address",
           "rules": {"max_length": 100}}
BIRTH = {"key": "birth", "label": "出生日期", "type": "date", "required": True, "prefill": "birth_date",
         "rules": {"not_future": True}}
BANKNAME = {"key": "bank", "label": "开户银行", "type": "choice", "required": True,
            "rules": {"choices": ["工商银行", "农业银行", "建设银行", "农商银行", "邮储银行"]}}
ACCOUNT = {"key": "account", "label": "银行账号", "type": "text", "required": True, "rules": {"pattern": r"\d{12,19}"}}
FAMILY = {"key": "family_size", "label": "家庭人口（人）", "type": "int", "required": True, "rules": {"min": 1, "max": 20}}
INCOME_F = {"key": "income", "label": "家庭月人均收入（元）", "type": "decimal", "required": True,
            "rules": {"min": 0, "max": 100000}}
REASON = {"key": "reason", "label": "申请事由", "type": "textarea", "required": True, "rules": {"max_length": 500}}
EMPLOYER = {"key": "employer", "label": "用人单位名称", "type": "text", "required": True, "rules": {"max_length": 60}}
DISABILITY = {"key": "disability", "label": "残疾类别", "type": "choice", "required": True,
              "rules": {"choices": ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]}}
BASIC = [NAME, IDNO, PHONE, ADDRESS]


def _limits(review, decide, deliver=3):
    return {"review": review, "decide": decide, "deliver": deliver}


def m(code, name, form="copy", **kw):
    return {"code": code, "name": name, "form": form, **kw}


# (code, name, department key, category, legal basis, (accept, review, decide), materials, fields,
#  fee, limits, total days, result kind, result name)
ITEMS = [
    ("MZ-001", "高龄津贴", "CIV", "养老服务", "《中华人民共和国老年人权益保障法》第三十三条；区高龄老人津贴发放实施办法第五条",
     ("community", "street", "district"), [ID, HUKOU, BANK, AGENT], [NAME, IDNO, PHONE, {**BIRTH, "rules": {"min_age": 80}},
                                                                    BANKNAME, ACCOUNT], 0, _limits(5, 10), 15, "payment", "高龄津贴按月发放"),
    ("MZ-002", "最低生活保障申请", "CIV", "社会救助", "《社会救助暂行办法》第九条至第十一条",
     ("community", "street", "district"), [ID, HUKOU, INCOME, HOUSE, BANK, m("auth", "家庭经济状况核对授权书", "original")],
     BASIC + [FAMILY, INCOME_F, REASON, BANKNAME, ACCOUNT], 0, _limits(10, 15), 30, "payment", "最低生活保障金"),
    ("MZ-003", "特困人员救助供养申请", "CIV", "社会救助", "《社会救助暂行办法》第十四条至第十六条",
     ("community", "street", "district"), [ID, HUKOU, INCOME, MEDICAL], BASIC + [REASON], 0, _limits(10, 15), 30,
     "payment", "特困人员救助供养金"),
    ("MZ-004", "临时救助", "CIV", "社会救助", "《社会救助暂行办法》第四十七条、第四十八条",
     ("community", "street", "street"), [ID, m("proof", "遭遇突发事件或困难的证明材料"), m("bills", "医疗、事故等费用票据", required=False)],
     BASIC + [REASON, {"key": "amount", "label": "申请金额（元）", "type": "decimal", "required": True,
                       "rules": {"min": 0, "max": 20000}}], 0, _limits(3, 5, 2), 10, "payment", "临时救助金"),
    ("MZ-005", "老年人优待证办理", "CIV", "养老服务", "《中华人民共和国老年人权益保障法》第五十七条",
     ("community", "community", "street"), [ID, PHOTO], [NAME, IDNO, PHONE, {**BIRTH, "rules": {"min_age": 60}}], 0,
     _limits(1, 3, 2), 5, "certificate", "老年人优待证"),
    ("MZ-006", "居家养老服务补贴", "CIV", "养老服务", "区居家养老服务补贴管理办法第四条",
     ("community", "street", "district"), [ID, HUKOU, m("assess", "老年照护统一需求评估结果", "original"), INCOME],
     BASIC + [{**BIRTH, "rules": {"min_age": 60}}, INCOME_F], 0, _limits(5, 10), 20, "payment", "居家养老服务补贴"),
    ("MZ-007", "基本殡葬服务补贴", "CIV", "殡葬服务", "《殡葬管理条例》；区惠民殡葬政策实施细则第六条",
     ("community", "street", "district"), [ID, m("death", "居民死亡医学证明（推断）书", "copy"),
                                             m("cremation", "火化证明", "copy"), BANK],
     [NAME, IDNO, PHONE, {"key": "deceased", "label": "逝者姓名", "type": "text", "required": True}], 0,
     _limits(3, 5), 10, "payment", "基本殡葬服务补贴"),
    ("CL-001", "困难残疾人生活补贴和重度残疾人护理补贴", "DPF", "残疾人服务",
     "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》",
     ("community", "street", "district"), [ID, HUKOU, m("card", "中华人民共和国残疾人证", "both"), BANK],
     BASIC + [DISABILITY, BANKNAME, ACCOUNT], 0, _limits(5, 10), 20, "payment", "残疾人两项补贴"),
    ("CL-002", "残疾人证办理", "DPF", "残疾人服务", "《中华人民共和国残疾人保障法》；《中华人民共和国残疾人证管理办法》第八条",
     ("community", "street", "district"), [ID, HUKOU, PHOTO, MEDICAL], BASIC + [DISABILITY], 0, _limits(3, 20, 5),
     30, "certificate", "中华人民共和国残疾人证"),
    ("CL-003", "残疾人辅助器具适配补贴", "DPF", "残疾人服务", "区残疾人基本辅助器具适配补贴办法第五条",
     ("community", "street", "district"), [ID, m("card", "中华人民共和国残疾人证", "copy"), m("quote", "适配评估意见", "original")],
     BASIC + [DISABILITY, {"key": "device", "label": "辅助器具名称", "type": "text", "required": True}], 0,
     _limits(5, 10), 20, "payment", "辅助器具适配补贴"),
    ("WJ-001", "生育登记", "HEA", "卫生健康", "《中华人民共和国人口与计划生育法》第十八条；本市生育登记服务办法",
     ("community", "community", "street"), [ID, HUKOU, m("marriage", "结婚证", "copy", required=False)],
     [NAME, IDNO, PHONE, {"key": "expected", "label": "预产期", "type": "date", "required": False},
      {"key": "order", "label": "生育孩次", "type": "choice", "required": True, "rules": {"choices": ["一孩", "二孩", "三孩"]}}],
     0, _limits(1, 1, 1), 3, "record", "生育登记服务单"),
    ("WJ-002", "独生子女父母奖励", "HEA", "卫生健康", "《中华人民共和国人口与计划生育法》第二十七条",
     ("community", "street", "district"), [ID, HUKOU, m("only", "独生子女父母光荣证", "both"), BANK],
     BASIC + [BANKNAME, ACCOUNT], 0, _limits(5, 10), 20, "payment", "独生子女父母奖励费"),
    ("WJ-003", "计划生育家庭特别扶助金", "HEA", "卫生健康", "全国农村部分计划生育家庭奖励扶助和计划生育家庭特别扶助制度",
     ("community", "street", "district"), [ID, HUKOU, m("only", "独生子女父母光荣证", "both"), m("death", "子女死亡或伤残证明")],
     BASIC + [REASON], 0, _limits(10, 15), 30, "payment", "特别扶助金"),
    ("RS-001", "退休人员社会化管理登记", "HRS", "就业社保", "《关于进一步做好企业退休人员社会化管理服务工作的意见》",
     ("community", "community", "street"), [ID, m("retire", "退休审批表或退休证", "copy")],
     BASIC + [{"key": "former_employer", "label": "原工作单位", "type": "text", "required": True}], 0, _limits(2, 3, 2), 7,
     "record", "退休人员社会化管理服务档案"),
    ("RS-002", "就业登记", "HRS", "就业社保", "《就业服务与就业管理规定》第六十二条",
     ("community", "street", "street"), [ID, m("contract", "劳动合同", "copy")], BASIC + [EMPLOYER,
     {"key": "start", "label": "入职日期", "type": "date", "required": True, "rules": {"not_future": True}}], 0,
     _limits(1, 2, 1), 5, "record", "就业登记"),
    ("RS-003", "失业登记", "HRS", "就业社保", "《就业服务与就业管理规定》第六十三条",
     ("community", "street", "street"), [ID, m("leave", "解除或终止劳动关系证明", "copy")], BASIC + [EMPLOYER], 0,
     _limits(1, 2, 1), 5, "record", "失业登记证明"),
    ("RS-004", "灵活就业人员社会保险补贴", "HRS", "就业社保", "《就业补助资金管理办法》第七条",
     ("community", "street", "district"), [ID, m("paid", "社会保险缴费凭证", "copy"), BANK],
     BASIC + [BANKNAME, ACCOUNT], 0, _limits(5, 10), 20, "payment", "社会保险补贴"),
    ("RS-005", "城乡居民基本养老保险参保登记", "HRS", "就业社保", "《国务院关于建立统一的城乡居民基本养老保险制度的意见》",
     ("community", "community", "street"), [ID, HUKOU], BASIC + [{"key": "grade", "label": "缴费档次（元/年）", "type": "choice",
     "required": True, "rules": {"choices": ["300", "500", "1000", "2000", "3000"]}}], 0, _limits(1, 3, 1), 5, "record",
     "城乡居民养老保险参保登记"),
    ("YB-001", "城乡居民基本医疗保险参保登记", "MED", "医疗保障", "《中华人民共和国社会保险法》第二十五条",
     ("community", "community", "street"), [ID, HUKOU], BASIC, 0, _limits(1, 3, 1), 5, "record", "居民医保参保登记"),
    ("YB-002", "医疗救助", "MED", "医疗保障", "《社会救助暂行办法》第二十七条至第三十条",
     ("community", "street", "district"), [ID, MEDICAL, m("invoice", "医疗费用发票及结算单", "original"), BANK],
     BASIC + [{"key": "cost", "label": "自付医疗费用（元）", "type": "decimal", "required": True, "rules": {"min": 0, "max": 1000000}}],
     0, _limits(5, 10), 20, "payment", "医疗救助金"),
    ("YB-003", "门诊慢特病待遇认定", "MED", "医疗保障", "本市基本医疗保险门诊慢性病、特殊疾病管理办法",
     ("community", "street", "district"), [ID, MEDICAL], BASIC + [{"key": "disease", "label": "病种", "type": "choice",
     "required": True, "rules": {"choices": ["高血压", "糖尿病", "恶性肿瘤门诊治疗", "尿毒症透析", "器官移植抗排异"]}}], 0,
     _limits(3, 10), 15, "record", "门诊慢特病待遇认定"),
    ("GA-001", "居住证办理", "POL", "户籍证件", "《居住证暂行条例》第九条、第十条",
     ("community", "community", "street"), [ID, PHOTO, HOUSE, m("job", "就业、就读或连续居住证明", "copy")],
     [NAME, IDNO, PHONE, ADDRESS, {"key": "since", "label": "来本地居住日期", "type": "date", "required": True,
                                   "rules": {"not_future": True}}], 0, _limits(2, 10, 3), 15, "certificate", "居住证"),
    ("GA-002", "居住登记", "POL", "户籍证件", "《居住证暂行条例》第四条",
     ("community", "community", "street"), [ID, HOUSE], [NAME, IDNO, PHONE, ADDRESS], 0, _limits(1, 2, 1), 3, "record",
     "居住登记凭证"),
    ("GA-003", "养犬登记", "POL", "社区管理", "本市养犬管理规定第十条",
     ("community", "community", "street"), [ID, m("vaccine", "犬只免疫证明", "original"), m("dogphoto", "犬只照片", "original")],
     [NAME, IDNO, PHONE, ADDRESS, {"key": "breed", "label": "犬只品种", "type": "text", "required": True}], 500,
     _limits(2, 5, 2), 10, "certificate", "养犬登记证"),
    ("FG-001", "公共租赁住房申请", "HOU", "住房保障", "《公共租赁住房管理办法》第七条至第十条",
     ("community", "street", "district"), [ID, HUKOU, INCOME, HOUSE, m("marriage", "婚姻状况证明", "copy")],
     BASIC + [FAMILY, INCOME_F], 0, _limits(10, 20, 5), 40, "record", "公共租赁住房轮候资格"),
    ("FG-002", "廉租住房租金补贴", "HOU", "住房保障", "《廉租住房保障办法》第十条",
     ("community", "street", "district"), [ID, HUKOU, INCOME, m("lease", "房屋租赁合同", "copy"), BANK],
     BASIC + [FAMILY, INCOME_F, BANKNAME, ACCOUNT], 0, _limits(10, 15), 30, "payment", "租金补贴"),
    ("FG-003", "既有多层住宅加装电梯补贴", "HOU", "住房保障", "区既有多层住宅加装电梯补贴实施办法第八条",
     ("community", "street", "district"), [m("consent", "本单元业主同意书", "original"), m("plan", "加装电梯设计方案", "copy"),
                                             m("contract", "施工合同", "copy")],
     [NAME, PHONE, {"key": "building", "label": "楼栋单元", "type": "text", "required": True, "rules": {"max_length": 40}}],
     0, _limits(10, 20), 40, "payment", "加装电梯补贴"),
    ("TY-001", "退役军人优待证申领", "VET", "退役军人", "《中华人民共和国退役军人保障法》第六十二条",
     ("community", "street", "district"), [ID, PHOTO, m("discharge", "退役证件", "copy")], BASIC, 0, _limits(5, 20, 5), 30,
     "certificate", "中华人民共和国退役军人优待证"),
    ("TY-002", "优抚对象定期抚恤补助", "VET", "退役军人", "《军人抚恤优待条例》第三十五条",
     ("community", "street", "district"), [ID, HUKOU, m("status", "优抚对象身份证明", "copy"), BANK],
     BASIC + [BANKNAME, ACCOUNT], 0, _limits(5, 15), 25, "payment", "定期抚恤补助金"),
    ("SJ-001", "个体工商户登记", "MKT", "市场准入", "《促进个体工商户发展条例》；《市场主体登记管理条例》第二十一条",
     ("community", "street", "street"), [ID, m("premises", "经营场所使用证明", "copy")],
     [NAME, IDNO, PHONE, {"key": "trade_name", "label": "字号名称", "type": "text", "required": False},
      {"key": "scope", "label": "经营范围", "type": "textarea", "required": True, "rules": {"max_length": 300}}], 0,
     _limits(1, 3, 1), 5, "certificate", "个体工商户营业执照"),
    ("SJ-002", "食品小经营店备案", "MKT", "市场准入", "《中华人民共和国食品安全法》第三十六条；本市食品小经营店备案管理办法",
     ("community", "street", "street"), [ID, m("licence", "营业执照", "copy"), m("health", "从业人员健康证明", "copy")],
     [NAME, IDNO, PHONE, ADDRESS], 0, _limits(2, 5, 2), 10, "record", "食品小经营店备案证明"),
    ("CG-001", "门店招牌设置备案", "URB", "城市管理", "《城市市容和环境卫生管理条例》第十一条；本市户外招牌设置管理办法",
     ("community", "street", "street"), [ID, m("licence", "营业执照", "copy"), m("design", "招牌设计效果图", "original")],
     [NAME, PHONE, {"key": "shop", "label": "门店地址", "type": "text", "required": True, "rules": {"max_length": 100}}], 0,
     _limits(2, 5, 2), 10, "record", "招牌设置备案"),
    ("SW-001", "居民用水困难减免", "WAT", "公用事业", "区城镇低收入家庭水费减免办法第四条",
     ("community", "street", "district"), [ID, m("relief", "低保或特困证明", "copy"), m("bill", "近期水费账单", "copy")],
     BASIC + [{"key": "account_no", "label": "用水户号", "type": "text", "required": True, "rules": {"pattern": r"\d{6,12}"}}],
     0, _limits(3, 7), 12, "payment", "水费减免"),
]
