"""What the dashboard (command centre) contributes: see core/manifest.py."""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import AppManifest, Kpi, Periodic, Tile, UrlInclude

ROLES = (R.DISTRICT_COMMANDER, R.STREET_DISPATCHER, R.COMMUNITY_STAFF, R.SYSTEM_ADMIN)
K = "civicgrid.dashboard.kpis."

MANIFEST = AppManifest(
    app="dashboard",
    urls=(UrlInclude("dashboard/", "civicgrid.dashboard.urls"),),
    tiles=(
        Tile(ROLES, "指挥中心地图", "dashboard:map", "网格着色、在办案件、热力图，逐级下钻", order=20),
        Tile(ROLES, "指标看板", "dashboard:board", "受理、立案、结案、按期率，与上期对比", order=21),
        Tile(ROLES, "排名", "dashboard:rankings", "街道、社区、网格、部门综合排名", order=22),
        Tile(ROLES, "每月一题", "dashboard:topics", "本月上升最多的问题、聚集点与重复诉求", order=23),
        Tile(ROLES, "月度报告", "dashboard:reports", "Excel 与 A4 打印版", order=24),
    ),
    periodic=(Periodic("civicgrid.dashboard.tasks.reconcile_rollups", dt.timedelta(hours=24)),),
    audit_subjects={"dashboard": "指挥中心"},
    audit_verbs={"report_download": "下载月报", "report_request": "生成月报", "seed_load": "生成压测数据",
                 "weights": "修改排名权重"},
    kpis=(
        Kpi("cases.reported", "受理数", "本期进入系统的案件数（按受理日）", K + "reported", order=10),
        Kpi("cases.filing_rate", "立案率", "立案数 ÷ 受理数", K + "filing_rate", unit="%", order=11),
        Kpi("cases.closure_rate", "结案率", "结案数 ÷ 应结案数（应结案数 = 同期立案数）", K + "closure_rate", unit="%",
            order=12),
        Kpi("cases.on_time_rate", "按期结案率", "按期结案数 ÷ 应结案数", K + "on_time_rate", unit="%", order=13),
        Kpi("cases.rework_rate", "返工率", "返工数（核查不通过）÷ 应结案数", K + "rework_rate", unit="%", order=14),
    ),
)
