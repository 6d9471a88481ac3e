"""Issue 12 item 1: the manifests' personal-data declarations drive masking, export and anonymisation,
not only key rotation and subject-access copies."""
import io

import pytest
from openpyxl import load_workbook

from civicgrid.cases import services as CS
from civicgrid.cases.models import Case, Category
from civicgrid.core import personal_data as PD
from civicgrid.core.models import AuditEntry
from civicgrid.hotline import services as HS
from civicgrid.hotline.models import Contact
from civicgrid.mediation import services as MS
from civicgrid.mediation import workflow as MW
from civicgrid.mediation.models import Dispute, Mediator, Party
from civicgrid.people import services as PS
from civicgrid.people.models import Person
from tests.factories import make_user
from tests.people.conftest import ident

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


def test_one_masking_rule_per_declared_kind():
    assert PD.mask("name", "张建国") == "张*国"
    assert PD.mask("phone", PHONE) == "138****5678"
    assert PD.mask("id_number", ident(11)).startswith(ident(11)[:4]) and "*" in PD.mask("id_number", ident(11))
    assert PD.mask("address", "幸福路12号3单元502室") == "幸福路12号3单元***室"
    assert PD.mask("address", "学院路12号院1号楼2-201") == "学院路12号院1号楼2-***"
    assert PD.mask("free_text", "请联系 138 1234 5678 王先生") == "请联系 138****5678 王先生"


def test_masking_an_undeclared_field_is_an_error_not_a_pass_through(territory):
    cat = Category.objects.get(code="01037")
    case = CS.intake(territory.users["operator"], channel="hotline", category=cat, description="路灯不亮",
                     lng=116.005, lat=39.905, requester_name="王小明", requester_phone=PHONE)
    assert PD.masked(case, "requester_phone") == "138****5678"
    with pytest.raises(LookupError):
        PD.masked(case, "requester_phon")  # a typo must not print the value


def test_case_export_masks_what_the_manifest_declares(territory, client):
    cat = Category.objects.get(code="01037")
    CS.intake(territory.users["operator"], channel="hotline", category=cat,
              description=f"楼道灯坏了，电话{PHONE}，身份证{ident(11)}", address="学院路12号院3单元502室",
              lng=116.005, lat=39.905, requester_name="王小明", requester_phone=PHONE)
    client.force_login(territory.users["commander"])
    resp = client.get("/cases/export.xlsx?view=all")
    row = next(load_workbook(io.BytesIO(resp.content)).active.iter_rows(min_row=2, values_only=True))
    text = " ".join(str(v) for v in row if v is not None)
    assert PHONE not in text and ident(11) not in text and "王小明" not in text and "502" not in text
    assert "138****5678" in row[5] and row[6] == "学院路12号院3单元***室" and row[17] == "王*明"


@pytest.fixture
def subject(territory):
    """One resident who reported a case, called the hotline and is party to a dispute, then moved away."""
    t = territory
    staff = t.users["staff_A1"]
    b = PS.create_building(staff, community=t.communities["A1"], name="1号楼", address="学院路12号院",
                           lng=116.005, lat=39.905)
    person = PS.create_person(staff, {"name": "张建国", "id_number": ident(11), "phone": PHONE},
                              room=PS.room_at(staff, b, "2单元", "201"))
    cat = Category.objects.get(code="01037")
    done = CS.intake(t.users["operator"], channel="hotline", category=cat, description=f"路灯不亮，回电{PHONE}",
                     lng=116.005, lat=39.905, requester_name="张建国", requester_phone=PHONE)
    Case.objects.filter(pk=done.pk).update(state="closed", due_at=None, warn_at=None)
    open_case = CS.intake(t.users["operator"], channel="hotline", category=cat, description="井盖缺失",
                          lng=116.005, lat=39.905, requester_name="张建国", requester_phone=PHONE)
    contact = HS.record_contact(t.users["operator"], subject="咨询路灯报修", caller_phone=PHONE, caller_name="张建国")
    mediator_user = make_user("mediator_pd", MW.MEDIATOR, t.communities["A1"])
    mediator = MS.save_mediator(staff, region=t.communities["A1"], name="王阿姨", kind="volunteer", phone=PHONE,
                                user=mediator_user)
    parties = [{"side": "applicant", "name": "张建国", "phone": PHONE, "id_number": ident(11), "consent": True}]
    finished = MS.register(mediator_user, source="walk_in", type="neighbour", summary="漏水", region=t.grids["A1a"],
                           parties=parties)
    Dispute.objects.filter(pk=finished.pk).update(state=MW.RESOLVED)
    ongoing = MS.register(mediator_user, source="walk_in", type="neighbour", summary="噪音", region=t.grids["A1a"],
                          parties=[dict(p) for p in parties])
    return {"person": person, "done": done, "open": open_case, "contact": contact, "mediator": mediator,
            "finished": finished, "ongoing": ongoing}


def test_anonymising_a_departed_resident_reaches_every_apps_finished_records(subject):
    PS.anonymise(subject["person"])
    done = Case.objects.get(pk=subject["done"].pk)
    assert (done.requester_name, done.requester_phone, done.requester_phone_hash) == ("", "", "")
    assert done.description == "路灯不亮，回电138****5678"  # the matter stays, the number inside is masked
    contact = Contact.objects.get(pk=subject["contact"].pk)
    assert (contact.caller_name, contact.caller_phone, contact.caller_phone_hash) == ("", "", "")
    gone = Party.objects.get(dispute=subject["finished"])
    assert (gone.name, gone.phone, gone.id_number, gone.phone_hash, gone.id_hash) == ("", "", "", "", "")
    # Work still under way keeps its contact; a mediator's work phone is not the resident's record.
    assert Case.objects.get(pk=subject["open"].pk).requester_phone == PHONE
    assert Party.objects.get(dispute=subject["ongoing"]).phone == PHONE
    assert Mediator.objects.get(pk=subject["mediator"].pk).phone == PHONE
    detail = AuditEntry.objects.get(action="person.anonymise").detail["other_records"]
    assert detail == {"cases.Case": 1, "hotline.Contact": 1, "mediation.Party": 1}


def test_a_phone_shared_with_someone_still_in_the_register_is_left_alone(subject, territory):
    staff = territory.users["staff_A1"]
    PS.create_person(staff, {"name": "张小红", "id_number": ident(12), "phone": PHONE},
                     room=subject["person"].room)
    PS.anonymise(subject["person"])
    assert Person.objects.get(pk=subject["person"].pk).anonymised_at is not None
    assert Case.objects.get(pk=subject["done"].pk).requester_phone == PHONE
    assert Contact.objects.get(pk=subject["contact"].pk).caller_phone == PHONE
