"""The demo city: about 60 agencies in four groups, with windows and one user per role.

Names follow a typical prefecture-level city's government; codes are pinyin initials.
"""

LEADERS = ["张副市长", "李副市长", "王副市长", "刘副市长", "陈副市长", "赵副市长"]

# (group code, group name, [(agency code, agency name, has_service_window), ...])
GROUPS = [
    ("economy", "综合经济部门", [
        ("fgw", "市发展和改革委员会", False), ("gxj", "市工业和信息化局", False), ("czj", "市财政局", False),
        ("swj", "市商务局", False), ("tjj", "市统计局", False), ("sjj", "市审计局", False),
        ("gzw", "市国有资产监督管理委员会", False), ("kjj", "市科学技术局", False), ("nyncj", "市农业农村局", True),
        ("slj", "市水利局", False), ("jrj", "市地方金融管理局", False), ("lsj", "市粮食和物资储备局", False),
        ("tczx", "市投资促进中心", False), ("jgswj", "市机关事务管理局", False), ("sjglj", "市数据局", False),
    ]),
    ("social", "社会管理部门", [
        ("jyj", "市教育局", True), ("mzj", "市民政局", True), ("sfj", "市司法局", True),
        ("rsj", "市人力资源和社会保障局", True), ("wjw", "市卫生健康委员会", True),
        ("wglj", "市文化广电和旅游局", False),
        ("tyj", "市体育局", False), ("tyjrj", "市退役军人事务局", True),
        ("mzzjj", "市民族宗教事务局", False),
        ("xfj", "市信访局", True), ("ybj", "市医疗保障局", True), ("dag", "市档案馆", False),
        ("fgb", "市妇女联合会", False), ("cl", "市残疾人联合会", True), ("kx", "市科学技术协会", False),
    ]),
    ("enforcement", "执法监督部门", [
        ("gaj", "市公安局", True), ("scjgj", "市市场监督管理局", True), ("sthjj", "市生态环境局", True),
        ("yjglj", "市应急管理局", False), ("cgj", "市城市管理局", True), ("jtysj", "市交通运输局", True),
        ("zrzyj", "市自然资源和规划局", True), ("zjj", "市住房和城乡建设局", True), ("swju", "市税务局", True),
        ("xfzd", "市消防救援支队", True), ("yczmj", "市烟草专卖局", False), ("zhzfj", "市综合行政执法局", False),
        ("rfb", "市人民防空办公室", False), ("lyj", "市林业局", False), ("yjj", "市药品监督管理局", False),
    ]),
    ("service", "窗口服务部门", [
        ("zwb", "市政务服务管理办公室", True), ("gjj", "市住房公积金管理中心", True), ("bdc", "市不动产登记中心", True),
        ("sbzx", "市社会保险基金管理中心", True), ("cgs", "市公安局交通警察支队车辆管理所", True),
        ("crj", "市公安局出入境管理支队", True), ("gdgs", "市供电公司", True), ("zlsgs", "市自来水公司", True),
        ("rqjt", "市燃气集团", True), ("gjjt", "市公共交通集团", True), ("yzglj", "市邮政管理局", True),
        ("ybfw", "市医疗保障服务中心", True), ("rcfw", "市人才服务中心", True), ("hydj", "市婚姻登记中心", True),
        ("xzspj", "市行政审批局", True),
    ]),
]

# Windows of window agencies: the first agencies get several, the rest one.
WINDOW_SETS = {
    "zwb": [("w01", "综合受理窗口", "市民中心一楼A区"), ("w02", "企业开办窗口", "市民中心一楼B区"),
            ("w03", "工程建设项目窗口", "市民中心二楼")],
    "gaj": [("w01", "户政窗口", "市民中心三楼"), ("w02", "治安窗口", "市公安局一楼")],
    "bdc": [("w01", "登记受理窗口", "不动产登记大厅"), ("w02", "档案查询窗口", "不动产登记大厅")],
    "sbzx": [("w01", "参保登记窗口", "社保大厅"), ("w02", "待遇核定窗口", "社保大厅")],
    "gjj": [("w01", "提取窗口", "公积金大厅"), ("w02", "贷款窗口", "公积金大厅")],
}
DEFAULT_WINDOW = ("w01", "服务窗口", "市民中心")

ASSESSOR_UNITS = ["市委组织部", "市纪委监委", "市委宣传部", "市政府办公室"]
