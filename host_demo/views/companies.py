"""Companies: list with search and contact counts; detail with its people; create, edit, delete."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from ..auth import require_login
from ..extensions import db
from ..forms import CompanyForm, DeleteForm
from ..models import Company, Contact
from ..tenancy import get_for_team_or_404, team_id, team_select
from .listing import Orderable, apply_sort, like_pattern, read_page, read_sort

bp = Blueprint("companies", __name__, url_prefix="/companies")

CONTACT_COUNT = (
    select(func.count(Contact.id)).where(Contact.company_id == Company.id).scalar_subquery()
)
SORTS: dict[str, list[Orderable]] = {
    "name": [Company.name, Company.id],
    "industry": [Company.industry, Company.name, Company.id],
    "contacts": [CONTACT_COUNT, Company.name, Company.id],
    "updated": [Company.updated_at, Company.id],
}


bp.before_request(require_login)


@bp.route("/")
def index() -> str:
    q = request.args.get("q", "").strip()
    stmt = team_select(Company)
    if q:
        pattern = like_pattern(q)
        stmt = stmt.where(
            or_(
                Company.name.ilike(pattern, escape="\\"),
                Company.domain.ilike(pattern, escape="\\"),
                Company.industry.ilike(pattern, escape="\\"),
            )
        )
    sort = read_sort(SORTS, "name")
    page = db.paginate(
        apply_sort(stmt, sort, SORTS), page=read_page(), per_page=25, error_out=False
    )
    return render_template(
        "companies/list.html", page=page, q=q, sort=sort, counts=contact_counts(page.items)
    )


def contact_counts(companies: list[Company]) -> dict[int, int]:
    """Contacts per company for one page of companies, in one query."""
    rows = db.session.execute(
        select(Contact.company_id, func.count(Contact.id))
        .where(Contact.company_id.in_([c.id for c in companies]))
        .group_by(Contact.company_id)
    ).all()
    return {company_id: count for company_id, count in rows if company_id is not None}


@bp.route("/<int:company_id>")
def detail(company_id: int) -> str:
    company = get_for_team_or_404(Company, company_id)
    contacts = db.session.scalars(
        team_select(Contact)
        .where(Contact.company_id == company.id)
        .order_by(Contact.last_name, Contact.first_name)
    ).all()
    return render_template(
        "companies/detail.html", company=company, contacts=contacts, delete_form=DeleteForm()
    )


def fill_company(company: Company, form: CompanyForm) -> None:
    company.name = form.name.data or ""
    company.domain = (form.domain.data or "").lower() or None
    company.industry = form.industry.data or None
    company.size = form.size.data or None
    company.phone = form.phone.data or None
    company.city = form.city.data or None
    company.country = form.country.data or None
    company.description = form.description.data or None


def name_taken(name: str, exclude_id: int | None) -> bool:
    stmt = team_select(Company).where(func.lower(Company.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(Company.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


def save(form: CompanyForm, company: Company | None) -> Company | None:
    """Validate and store; None (with the error on the form) when the input is not acceptable."""
    if not form.validate_on_submit():
        return None
    if name_taken(form.name.data or "", company.id if company else None):
        form.name.errors = [f"There is already a company called {form.name.data!r}."]
        return None
    company = company or Company(team_id=team_id())
    fill_company(company, form)
    db.session.add(company)
    db.session.commit()
    return company


@bp.route("/new", methods=["GET", "POST"])
def create() -> str | Response:
    form = CompanyForm()
    company = save(form, None)
    if company is not None:
        flash(f"{company.name} was added.", "success")
        return redirect(url_for(".detail", company_id=company.id))
    return render_template("companies/form.html", form=form, company=None)


@bp.route("/<int:company_id>/edit", methods=["GET", "POST"])
def edit(company_id: int) -> str | Response:
    company = get_for_team_or_404(Company, company_id)
    form = CompanyForm(obj=company)
    if save(form, company) is not None:
        flash(f"{company.name} was saved.", "success")
        return redirect(url_for(".detail", company_id=company.id))
    return render_template(
        "companies/form.html", form=form, company=company, delete_form=DeleteForm()
    )


@bp.route("/<int:company_id>/delete", methods=["POST"])
def delete(company_id: int) -> Response:
    """The company goes; its contacts stay, without a company."""
    company = get_for_team_or_404(Company, company_id)
    if DeleteForm().validate_on_submit():
        name = company.name
        for contact in company.contacts:
            contact.company = None
        db.session.delete(company)
        db.session.commit()
        flash(f"{name} was deleted; its contacts were kept.", "success")
    return redirect(url_for(".index"))
