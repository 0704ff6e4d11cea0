"""`manage.py load_demo`: a believable city to try ConductEval with. Idempotent.

Logins are created once with random passwords kept in var/demo_credentials.json (outside
git) and printed on every run.
"""
import json
import secrets
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from agencies import services
from agencies.choices import CycleStatus, Role
from agencies.models import Agency, AgencyGroup, Cycle, User, Window
from demo import history, ledger, notices, ratings, visits
from demo.city import ASSESSOR_UNITS, DEFAULT_WINDOW, GROUPS, LEADERS, WINDOW_SETS
from rectification.services import calendar_seed_from_library

CREDENTIALS = settings.VAR_DIR / "demo_credentials.json"

DEMO_USERS = [
    # username, role, first name, extra
    ("admin", Role.ADMIN, "办公室管理员", {}),
    ("leader", Role.LEADER, "分管市领导", {}),
    ("inspector", Role.INSPECTOR, "察访员 李明", {}),
    ("assessor", Role.ASSESSOR, "考评员 周华", {"assessor_unit": ASSESSOR_UNITS[0]}),
    ("liaison", Role.AGENCY, "联络员 陈静（市公安局）", {"agency_code": "gaj"}),
]


class Command(BaseCommand):
    help = "载入演示数据：约60个机关、窗口、本年度评议周期与各角色演示账号（可重复执行）"

    def add_arguments(self, parser):
        parser.add_argument("--logins", action="store_true", help="只打印演示账号，不载入数据")

    def handle(self, *args, **options):
        if options["logins"]:
            saved = json.loads(CREDENTIALS.read_text()) if CREDENTIALS.exists() else {}
            roles = {username: role for username, role, _, _ in DEMO_USERS}
            self.print_logins([(u, p, roles[u]) for u, p in saved.items() if u in roles])
            return
        with transaction.atomic():
            counts = self.load_city()
            cycle = self.load_cycle()
            holidays = calendar_seed_from_library()
        if holidays:
            self.stdout.write(f"节假日安排：从 chinesecalendar 补录 {holidays} 天")
        credentials = self.load_users()
        self.load_apps(cycle)
        self.stdout.write(self.style.SUCCESS(
            f"演示数据就绪：{counts['groups']} 个分组，{counts['agencies']} 个机关，{counts['windows']} 个窗口，"
            f"周期 {cycle.code}"))
        self.print_logins(credentials)

    def print_logins(self, credentials: list[tuple[str, str, str]]) -> None:
        self.stdout.write("演示账号（用户名 / 密码 / 角色）：")
        for username, password, role in credentials:
            self.stdout.write(f"  {username:<10} {password:<20} {Role(role).label}")

    def load_city(self) -> dict:
        leader_of = {}
        for index, (group_code, group_name, agencies) in enumerate(GROUPS):
            group = AgencyGroup.objects.filter(code=group_code).first() or services.agency_group_create(
                code=group_code, name=group_name, order=index + 1)
            for n, (code, name, has_window) in enumerate(agencies):
                leader_of[code] = LEADERS[(index * 3 + n) % len(LEADERS)]
                agency = Agency.objects.filter(code=code).first() or services.agency_create(
                    code=code, name=name, group=group, has_service_window=has_window,
                    leader_in_charge=leader_of[code])
                if has_window and not agency.windows.exists():
                    for w_code, w_name, location in WINDOW_SETS.get(code, [DEFAULT_WINDOW]):
                        services.window_create(agency=agency, code=w_code, name=w_name, location=location)
        return {"groups": AgencyGroup.objects.count(), "agencies": Agency.objects.count(),
                "windows": Window.objects.count()}

    def load_cycle(self) -> Cycle:
        year = timezone.localdate().year
        return Cycle.objects.filter(code=str(year)).first() or services.cycle_create(
            code=str(year), name=f"{year}年度机关作风评议", starts_on=date(year, 1, 1), ends_on=date(year, 12, 31),
            status=CycleStatus.OPEN, scheme={})

    def load_apps(self, cycle: Cycle) -> None:
        """Each part of the demo city, in dependency order: ratings and opinions, a year of history, the ledger,
        notices, visits."""
        for module in (ratings, history, ledger, notices, visits):
            module.demo_load(cycle=cycle, stdout=self.stdout)

    def load_users(self) -> list[tuple[str, str, str]]:
        path = CREDENTIALS
        saved = json.loads(path.read_text()) if path.exists() else {}
        result = []
        for username, role, first_name, extra in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            password = saved.get(username)
            if user is None or not password or not user.check_password(password):
                password = f"Demo-{secrets.token_urlsafe(9)}"
                if user is None:
                    agency = Agency.objects.get(code=extra["agency_code"]) if "agency_code" in extra else None
                    user = services.user_create(username=username, password=password, role=role, agency=agency,
                                                assessor_unit=extra.get("assessor_unit", ""),
                                                first_name=first_name, email=f"{username}@demo.example")
                else:
                    user.set_password(password)
                    user.save(update_fields=["password"])
                saved[username] = password
            if role == Role.LEADER:
                Agency.objects.filter(leader_account__isnull=True).update(leader_account=user)
            if role == Role.ADMIN and not user.is_superuser:
                user.is_superuser = user.is_staff = True
                user.save(update_fields=["is_superuser", "is_staff"])
            result.append((username, password, role))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(saved, ensure_ascii=False, indent=2))
        path.chmod(0o600)
        return result
