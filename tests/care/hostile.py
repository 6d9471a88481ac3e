"""Care objects for the hostile-parameter walk (tests/test_hostile_params.py FILL): a plan for the
walk's resident (tagged 独居老人 in community A1) and an open alert, made once per world."""


def objects(w) -> dict:
    if "care" not in w:
        from civicgrid.care import services as S

        staff = w["users"]["staff_A1"]
        plan = S.create_plan(staff, w["person"], workers={k: (staff, "grid_worker") for k in
                                                          ("daily_call", "weekly_home", "monthly_visit")})
        alert = S.raise_alert(staff, plan, source="call", kind="fall", health="腿疼", location="客厅")
        w["care"] = {"plan": plan, "rhythm": plan.rhythms.get(kind="daily_call"), "alert": alert}
    return w["care"]


def plan(w) -> dict:
    return {"pk": objects(w)["plan"].pk}


def rhythm(w) -> dict:
    return {"pk": objects(w)["rhythm"].pk}


def alert(w) -> dict:
    return {"number": objects(w)["alert"].number}
