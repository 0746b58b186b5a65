#!/usr/bin/env python3
"""Writes seeds/catalog-5101.json: the sample city's service catalogue (政务服务事项), its certificate
types and its "one thing, one submission" bundles. Hand-kept data; the script only lays it out so
each matter stays on one line here and the file stays valid JSON."""
import json, pathlib

CITIZEN, ENTERPRISE = "Citizen", "Enterprise"
ID = ("id-card", "居民身份证", "Resident ID card", ["citizen-record"])
HUKOU = ("household-register", "居民户口簿", "Household register", ["household-register"])
LICENCE = ("business-licence", "营业执照", "Business licence", ["business-licence"])
ENTERPRISE_RECORD = ("enterprise-record", "企业登记信息", "Enterprise registration record", ["enterprise-record"])
PHOTO = ("photo", "近期免冠照片", "Recent photograph", [])
PREMISES = ("premises", "住所（经营场所）使用证明", "Proof of use of the premises", ["property-certificate"])

certificate_types = [
    # code, name, English, holder, prefix, valid months (0: no end)
    ("business-licence", "营业执照", "Business licence", ENTERPRISE, "YYZZ", 0),
    ("food-business-licence", "食品经营许可证", "Food business licence", ENTERPRISE, "SPJY", 60),
    ("public-health-licence", "公共场所卫生许可证", "Public place health licence", ENTERPRISE, "GGWS", 48),
    ("fire-safety-permit", "公众聚集场所投入使用、营业前消防安全检查合格证", "Fire safety clearance for public venues", ENTERPRISE, "XFAJ", 0),
    ("drug-retail-licence", "药品经营许可证（零售）", "Drug retail licence", ENTERPRISE, "YPJY", 60),
    ("construction-permit", "建筑工程施工许可证", "Construction permit", ENTERPRISE, "SGXK", 0),
    ("signboard-permit", "户外招牌设置许可", "Outdoor signboard permit", ENTERPRISE, "HWZP", 36),
    ("residence-certificate", "居住证明", "Certificate of residence", CITIZEN, "JZZM", 6),
    ("residence-permit", "居住证", "Residence permit", CITIZEN, "JZZ", 12),
    ("household-register", "居民户口簿", "Household register", CITIZEN, "HKB", 0),
    ("birth-medical-certificate", "出生医学证明", "Medical certificate of birth", CITIZEN, "CSYX", 0),
    ("social-security-card", "社会保障卡", "Social security card", CITIZEN, "SBK", 120),
    ("marriage-certificate", "结婚证", "Marriage certificate", CITIZEN, "JHZ", 0),
    ("disability-certificate", "残疾人证", "Disability certificate", CITIZEN, "CJRZ", 120),
    ("property-certificate", "不动产权证书", "Real property certificate", CITIZEN, "BDCQ", 0),
    ("driving-licence", "机动车驾驶证", "Driving licence", CITIZEN, "JSZ", 120),
]

def m(code, name, en, dept, dept_en, audience, level, handling, days, online, visits, fee, materials, issues=None, keywords=""):
    return dict(code=code, name=name, nameEn=en, department=dept, departmentEn=dept_en, audience=audience, level=level,
                handling=handling, commitmentDays=days, fullyOnline=online, maxVisits=visits, feeYuan=fee,
                materials=[dict(code=c, name=n, nameEn=e, satisfiedBy=s) for c, n, e, s in materials],
                issues=issues, keywords=keywords)

SAMR, SAMR_EN = "市场监督管理局", "Market Regulation Administration"
TAX, TAX_EN = "税务局", "Tax Service"
HRSS, HRSS_EN = "人力资源和社会保障局", "Human Resources and Social Security Bureau"
PSB, PSB_EN = "公安局", "Public Security Bureau"
CIVIL, CIVIL_EN = "民政局", "Civil Affairs Bureau"
HEALTH, HEALTH_EN = "卫生健康委员会", "Health Commission"
COMMUNITY, COMMUNITY_EN = "社区居民委员会", "Community residents' committee"
STREET, STREET_EN = "街道便民服务中心", "Street service centre"

matters = [
    # Enterprises
    m("enterprise.business-licence", "企业设立登记（营业执照）", "Enterprise establishment registration (business licence)", SAMR, SAMR_EN, ENTERPRISE, "District", "Promised", 3, True, 0, 0,
      [ID, ENTERPRISE_RECORD, PREMISES, ("articles", "公司章程", "Articles of association", [])], "business-licence", "开办企业 公司 注册 执照"),
    m("food.business-licence", "食品经营许可", "Food business licence", SAMR, SAMR_EN, ENTERPRISE, "District", "Promised", 10, True, 0, 0,
      [LICENCE, ID, ("floor-plan", "经营场所平面布局图", "Floor plan of the premises", []), ("food-safety-rules", "食品安全管理制度", "Food safety management rules", [])],
      "food-business-licence", "餐饮 饭店 餐馆 食品"),
    m("tax.registration", "新办纳税人涉税事项", "Tax matters of a new taxpayer", TAX, TAX_EN, ENTERPRISE, "District", "Immediate", 0, True, 0, 0,
      [LICENCE, ID], None, "税务 发票 纳税"),
    m("enterprise.change-registration", "企业变更登记", "Enterprise change registration", SAMR, SAMR_EN, ENTERPRISE, "District", "Promised", 3, True, 0, 0,
      [LICENCE, ("change-resolution", "变更决议或决定", "Resolution on the change", [])], None, "变更 名称 法定代表人"),
    m("enterprise.simple-deregistration", "企业简易注销登记", "Simplified enterprise deregistration", SAMR, SAMR_EN, ENTERPRISE, "District", "Promised", 3, True, 0, 0,
      [LICENCE, ("commitment-letter", "全体投资人承诺书", "Investors' letter of commitment", [])], None, "注销 歇业"),
    m("public-health.licence", "公共场所卫生许可", "Public place health licence", HEALTH, HEALTH_EN, ENTERPRISE, "District", "Promised", 10, False, 1, 0,
      [LICENCE, PREMISES, ("hygiene-rules", "卫生管理制度", "Hygiene management rules", [])], "public-health-licence", "卫生 理发 宾馆 游泳"),
    m("fire-safety.inspection", "公众聚集场所投入使用、营业前消防安全检查", "Fire safety inspection before a public venue opens", "消防救援支队", "Fire and Rescue Detachment", ENTERPRISE, "District", "Promised", 10, False, 1, 0,
      [LICENCE, PREMISES, ("fire-plan", "消防安全制度和疏散预案", "Fire safety rules and evacuation plan", [])], "fire-safety-permit", "消防 开业 检查"),
    m("outdoor.signboard", "户外招牌设置", "Outdoor signboard", "城市管理局", "Urban Management Bureau", ENTERPRISE, "Street", "Promised", 5, True, 0, 0,
      [LICENCE, ("signboard-design", "招牌设计效果图", "Signboard design", [])], "signboard-permit", "招牌 店招 广告"),
    m("social-security.employer-registration", "单位社会保险登记", "Employer social insurance registration", HRSS, HRSS_EN, ENTERPRISE, "District", "Immediate", 0, True, 0, 0,
      [LICENCE], None, "社保 员工 参保"),
    m("housing-fund.employer-account", "单位住房公积金缴存登记", "Employer housing provident fund account", "住房公积金管理中心", "Housing Provident Fund Centre", ENTERPRISE, "City", "Immediate", 0, True, 0, 0,
      [LICENCE, ENTERPRISE_RECORD], None, "公积金 开户"),
    m("seal.engraving", "印章刻制备案", "Company seal engraving filing", PSB, PSB_EN, ENTERPRISE, "District", "Immediate", 0, True, 0, 0,
      [LICENCE, ID], None, "公章 印章"),
    m("drug.retail-licence", "药品零售企业经营许可", "Drug retail licence", "药品监督管理局", "Medical Products Administration", ENTERPRISE, "District", "Promised", 15, False, 1, 0,
      [LICENCE, PREMISES, ("pharmacist", "执业药师注册证", "Licensed pharmacist registration", [])], "drug-retail-licence", "药店 药品"),
    m("construction.permit", "建筑工程施工许可", "Construction permit", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau", ENTERPRISE, "City", "Promised", 7, True, 0, 0,
      [LICENCE, ("land-use", "建设工程规划许可证", "Construction planning permit", []), ("contract", "施工合同", "Construction contract", [])], "construction-permit", "施工 建设 工程"),
    # Citizens
    m("residence.certificate", "居住证明开具", "Certificate of residence", COMMUNITY, COMMUNITY_EN, CITIZEN, "Community", "Promised", 3, True, 0, 0,
      [ID, ("lease", "租房合同或房屋产权证明", "Lease or proof of home ownership", ["property-certificate"])], "residence-certificate", "居住 证明 租房"),
    m("residence.permit", "居住证办理", "Residence permit", PSB, PSB_EN, CITIZEN, "Street", "Promised", 7, False, 1, 0,
      [ID, ("residence-proof", "居住证明", "Certificate of residence", ["residence-certificate"]), PHOTO], "residence-permit", "居住证 外来 落户"),
    m("elderly.allowance", "高龄津贴申领", "Old-age allowance", CIVIL, CIVIL_EN, CITIZEN, "Street", "Promised", 10, True, 0, 0,
      [ID, HUKOU, ("bank-card", "本人银行卡", "Own bank card", [])], None, "老人 津贴 高龄 补贴"),
    m("birth.medical-certificate", "出生医学证明签发", "Medical certificate of birth", HEALTH, HEALTH_EN, CITIZEN, "District", "Immediate", 0, False, 1, 0,
      [ID, ("delivery-record", "分娩记录", "Delivery record", [])], "birth-medical-certificate", "出生 新生儿 医院"),
    m("birth.registration", "出生登记（新生儿落户）", "Birth registration", PSB, PSB_EN, CITIZEN, "Street", "Immediate", 1, True, 0, 0,
      [ID, ("birth-proof", "出生医学证明", "Medical certificate of birth", ["birth-medical-certificate"]), HUKOU], None, "出生 户口 新生儿 落户"),
    m("social-security.card", "社会保障卡申领", "Social security card", HRSS, HRSS_EN, CITIZEN, "District", "Promised", 10, True, 0, 0,
      [ID, PHOTO], "social-security-card", "社保卡 社会保障"),
    m("medical-insurance.enrolment", "城乡居民基本医疗保险参保登记", "Residents' medical insurance enrolment", "医疗保障局", "Healthcare Security Administration", CITIZEN, "Street", "Immediate", 0, True, 0, 0,
      [ID, HUKOU], None, "医保 参保"),
    m("marriage.registration", "结婚登记", "Marriage registration", CIVIL, CIVIL_EN, CITIZEN, "District", "Immediate", 0, False, 1, 9,
      [ID, HUKOU, ("declaration", "无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明", "Signed declaration of eligibility", [])], "marriage-certificate", "结婚 婚姻"),
    m("disability.certificate", "残疾人证申领", "Disability certificate", "残疾人联合会", "Disabled Persons' Federation", CITIZEN, "District", "Promised", 20, False, 1, 0,
      [ID, PHOTO, ("assessment", "残疾评定表", "Disability assessment", [])], "disability-certificate", "残疾 残联"),
    m("minimum-living.allowance", "最低生活保障申请", "Minimum living allowance", CIVIL, CIVIL_EN, CITIZEN, "Street", "Promised", 30, False, 1, 0,
      [ID, HUKOU, ("income", "家庭收入和财产状况申报", "Declaration of household income and assets", [])], None, "低保 救助 困难"),
    m("household.transfer", "户口迁移", "Household registration transfer", PSB, PSB_EN, CITIZEN, "District", "Promised", 10, False, 1, 0,
      [ID, HUKOU, ("home-proof", "合法稳定住所证明", "Proof of lawful residence", ["property-certificate"])], None, "迁户口 落户 户籍"),
    m("housing-fund.withdrawal", "住房公积金提取", "Housing provident fund withdrawal", "住房公积金管理中心", "Housing Provident Fund Centre", CITIZEN, "City", "Promised", 3, True, 0, 0,
      [ID, ("purchase-proof", "购房合同或不动产权证书", "Purchase contract or property certificate", ["property-certificate"])], None, "公积金 提取 购房"),
    m("property.transfer-registration", "不动产转移登记", "Real property transfer registration", "不动产登记中心", "Real Estate Registration Centre", CITIZEN, "District", "Promised", 5, False, 1, 80,
      [ID, ("sale-contract", "房屋买卖合同", "Sale contract", []), ("tax-receipt", "完税证明", "Tax payment receipt", [])], "property-certificate", "房产 过户 不动产"),
    m("driving-licence.renewal", "机动车驾驶证有效期满换证", "Driving licence renewal", "公安局交通管理局", "Traffic Police Bureau", CITIZEN, "City", "Immediate", 0, True, 0, 10,
      [ID, ("medical-report", "驾驶人身体条件证明", "Driver's medical report", []), PHOTO], "driving-licence", "驾照 换证 驾驶证"),
    m("school.enrolment", "义务教育阶段入学登记", "School enrolment", "教育局", "Education Bureau", CITIZEN, "District", "Promised", 15, True, 0, 0,
      [ID, HUKOU, ("residence", "居住证或不动产权证书", "Residence permit or property certificate", ["residence-permit", "property-certificate"])], None, "入学 小学 初中 学位"),
    m("unemployment.registration", "失业登记", "Unemployment registration", HRSS, HRSS_EN, CITIZEN, "Street", "Immediate", 0, True, 0, 0,
      [ID], None, "失业 就业 找工作"),
    m("flexible-employment.insurance", "灵活就业人员参保登记", "Social insurance for the self-employed", HRSS, HRSS_EN, CITIZEN, "Street", "Immediate", 0, True, 0, 0,
      [ID], None, "灵活就业 社保 个体"),
    m("elderly.home-care-subsidy", "居家养老服务补贴申请", "Home elderly care subsidy", STREET, STREET_EN, CITIZEN, "Community", "Promised", 15, True, 0, 0,
      [ID, HUKOU], None, "养老 老人 居家 补贴"),
]

bundles = [
    dict(code="open-restaurant", name="开餐馆一件事", nameEn="Open a restaurant", audience=ENTERPRISE,
         parts=[dict(matter="enterprise.business-licence"),
                dict(matter="food.business-licence", after="enterprise.business-licence"),
                dict(matter="tax.registration", after="enterprise.business-licence")]),
    dict(code="open-pharmacy", name="开药店一件事", nameEn="Open a pharmacy", audience=ENTERPRISE,
         parts=[dict(matter="enterprise.business-licence"),
                dict(matter="drug.retail-licence", after="enterprise.business-licence"),
                dict(matter="tax.registration", after="enterprise.business-licence"),
                dict(matter="outdoor.signboard", after="enterprise.business-licence")]),
    dict(code="newborn", name="新生儿出生一件事", nameEn="A baby is born", audience=CITIZEN,
         parts=[dict(matter="birth.medical-certificate"),
                dict(matter="birth.registration", after="birth.medical-certificate"),
                dict(matter="medical-insurance.enrolment", after="birth.registration"),
                dict(matter="social-security.card", after="birth.registration")]),
    dict(code="move-in", name="新市民安居一件事", nameEn="Settle in as a new resident", audience=CITIZEN,
         parts=[dict(matter="residence.certificate"),
                dict(matter="residence.permit", after="residence.certificate"),
                dict(matter="medical-insurance.enrolment")]),
]

doc = dict(
    certificateTypes=[dict(code=c, name=n, nameEn=e, holder=h, prefix=p, validMonths=v) for c, n, e, h, p, v in certificate_types],
    matters=matters,
    bundles=bundles,
)
out = pathlib.Path(__file__).resolve().parent.parent / "seeds" / "catalog-5101.json"
out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"{out}: {len(matters)} matters, {len(bundles)} bundles, {len(certificate_types)} certificate types")
