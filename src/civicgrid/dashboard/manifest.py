"""What the dashboard (command centre) contributes: see core/manifest.py."""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import SCOPED, Route, AppManifest, Kpi, Periodic, Tile, UrlInclude

ROLES = (R.DISTRICT_COMMANDER, R.STREET_DISPATCHER, R.COMMUNITY_STAFF, R.SYSTEM_ADMIN)
K = "civicgrid.dashboard.kpis."
NOT_FOR_YOU = "指挥中心仅对区指挥中心、街道、社区工作人员和系统管理员开放"



def area(objs, inside: bool) -> dict:
    """The area is a query parameter (?area=CODE): community A1 inside, B1 outside."""
    return {"?area": objs["t"].communities["A1" if inside else "B1"].code}


def report(objs, inside: bool) -> dict:
    return {"pk": objs["report_in" if inside else "report_out"].pk}


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
    periodic=(Periodic("civicgrid.dashboard.tasks.reconcile_rollups", dt.timedelta(hours=24)),
              Periodic("civicgrid.dashboard.tasks.fold_rollups", dt.timedelta(minutes=1))),
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
    routes=(
        Route("dashboard:map", SCOPED, roles=ROLES, args=area, role_refusal=NOT_FOR_YOU),
        Route("dashboard:map_data", SCOPED, roles=ROLES, args=area, role_refusal=NOT_FOR_YOU),
        Route("dashboard:panel", SCOPED, roles=ROLES, args=area, role_refusal=NOT_FOR_YOU),
        Route("dashboard:board", SCOPED, roles=ROLES, args=area, role_refusal=NOT_FOR_YOU),
        Route("dashboard:cases", SCOPED, roles=ROLES, args=area, role_refusal=NOT_FOR_YOU),
        Route("dashboard:rankings", SCOPED, roles=ROLES, args=area, role_refusal=NOT_FOR_YOU),
        Route("dashboard:weights", SCOPED, roles=(R.DISTRICT_COMMANDER, R.SYSTEM_ADMIN), method="POST", args=area,
              role_refusal=NOT_FOR_YOU + "|只有本区指挥中心或系统管理员可以设置排名权重",
              note="district-level setting; tests/dashboard/test_rankings_topics.py"),
        Route("dashboard:topics", SCOPED, roles=ROLES, args=area, role_refusal=NOT_FOR_YOU),
        Route("dashboard:reports", SCOPED, roles=ROLES, args=area, role_refusal=NOT_FOR_YOU),
        Route("dashboard:report_print", SCOPED, roles=ROLES, args=report, role_refusal=NOT_FOR_YOU),
        Route("dashboard:report_download", SCOPED, roles=ROLES, args=report, role_refusal=NOT_FOR_YOU),
    ),
    matrix_objects="civicgrid.dashboard.matrix.objects",
)
