"""Contacts: list with search, filters, sorting and paging; detail; create, edit, delete."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload
from werkzeug.wrappers import Response

from ..auth import require_login
from ..extensions import db
from ..forms import (
    ActivityForm,
    ContactForm,
    DeleteForm,
    as_utc,
    format_phone_lines,
    parse_phone_lines,
)
from ..models import STAGES, Company, Contact, User, normalise_tags
from ..tenancy import get_for_team_or_404, team_id, team_select
from .listing import Orderable, apply_sort, like_pattern, read_page, read_sort

bp = Blueprint("contacts", __name__, url_prefix="/contacts")

SORTS: dict[str, list[Orderable]] = {
    "name": [Contact.last_name, Contact.first_name, Contact.id],
    "email": [Contact.email, Contact.id],
    "company": [Company.name, Contact.last_name, Contact.id],
    "stage": [case({s: i for i, s in enumerate(STAGES)}, value=Contact.stage, else_=len(STAGES)),
              Contact.last_name, Contact.id],
    "updated": [Contact.updated_at, Contact.id],
}


bp.before_request(require_login)


def search_clause(query: str) -> ColumnElement[bool]:
    """Each word must appear in the first name, last name, email or company name."""
    clauses = []
    for word in query.split():
        pattern = like_pattern(word)
        clauses.append(
            or_(
                Contact.first_name.ilike(pattern, escape="\\"),
                Contact.last_name.ilike(pattern, escape="\\"),
                Contact.email.ilike(pattern, escape="\\"),
                Company.name.ilike(pattern, escape="\\"),
            )
        )
    return and_(*clauses)


def filtered_contacts(args: dict[str, str]) -> Select[Any]:
    # One query for the page's rows, their companies (joined anyway) and owners: no N+1.
    stmt = (
        team_select(Contact)
        .outerjoin(Contact.company)
        .options(contains_eager(Contact.company), selectinload(Contact.owner))
    )
    if args.get("q"):
        stmt = stmt.where(search_clause(args["q"]))
    if args.get("stage") in STAGES:
        stmt = stmt.where(Contact.stage == args["stage"])
    if args.get("tag"):
        stmt = stmt.where(Contact.tags.like(f"%,{args['tag'].lower()},%"))
    if args.get("email") == "missing":
        stmt = stmt.where(or_(Contact.email.is_(None), Contact.email == ""))
    if args.get("owner", "").isdigit():
        stmt = stmt.where(Contact.owner_id == int(args["owner"]))
    return stmt


def team_users() -> list[User]:
    return list(db.session.scalars(team_select(User).order_by(User.name)))


@bp.route("/")
def index() -> str:
    args = {k: request.args.get(k, "").strip() for k in ("q", "stage", "tag", "owner", "email")}
    sort = read_sort(SORTS, "name")
    stmt = apply_sort(filtered_contacts(args), sort, SORTS)
    page = db.paginate(
        stmt, page=read_page(), per_page=_per_page(), error_out=False, count=True
    )
    return render_template(
        "contacts/list.html",
        page=page,
        args=args,
        sort=sort,
        stages=STAGES,
        users=team_users(),
        delete_form=DeleteForm(),
    )


def _per_page() -> int:
    return int(current_app.config["CONTACTS_PER_PAGE"])


@bp.route("/<int:contact_id>")
def detail(contact_id: int) -> str:
    contact = get_for_team_or_404(Contact, contact_id)
    duplicates = possible_duplicates(contact)
    return render_template(
        "contacts/detail.html",
        contact=contact,
        duplicates=duplicates,
        activity_form=ActivityForm(),
        delete_form=DeleteForm(),
    )


def possible_duplicates(contact: Contact) -> list[Contact]:
    """Other contacts of the team with the same email, or the same first and last name."""
    same_name = and_(
        func.lower(Contact.first_name) == contact.first_name.lower(),
        func.lower(Contact.last_name) == contact.last_name.lower(),
    )
    match = or_(func.lower(Contact.email) == contact.email.lower(), same_name) if contact.email \
        else same_name
    stmt = team_select(Contact).where(match, Contact.id != contact.id).limit(5)
    return list(db.session.scalars(stmt))


def prepare_form(form: ContactForm) -> None:
    form.owner_id.choices = {"0": "No owner", **{str(u.id): u.name for u in team_users()}}


def company_names() -> list[str]:
    return list(db.session.scalars(select(Company.name).where(Company.team_id == team_id())
                                   .order_by(Company.name)))


def resolve_company(name: str) -> Company | None:
    """The team's company with this name (any case), created when there is none."""
    if not name:
        return None
    stmt = team_select(Company).where(func.lower(Company.name) == name.lower()).limit(1)
    company = db.session.scalar(stmt)
    if company is None:
        company = Company(team_id=team_id(), name=name)
        db.session.add(company)
    return company


def fill_contact(contact: Contact, form: ContactForm) -> None:
    contact.first_name = form.first_name.data or ""
    contact.last_name = form.last_name.data or ""
    contact.email = form.email.data or None
    contact.phone = form.phone.data or None
    contact.additional_phones = parse_phone_lines(form.additional_phones.data or "")
    contact.company = resolve_company(form.company_name.data or "")
    contact.title = form.title.data or None
    contact.stage = form.stage.data or "New"
    contact.owner_id = form.owner_id.data or None
    contact.tags = normalise_tags(form.tags.data or "")
    contact.meeting_at = as_utc(form.meeting_at.data)
    contact.notes = form.notes.data or None


def render_form(form: ContactForm, contact: Contact | None) -> str:
    return render_template(
        "contacts/form.html", form=form, contact=contact, company_names=company_names(),
        delete_form=DeleteForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
def create() -> str | Response:
    form = ContactForm()
    prepare_form(form)
    if request.method == "GET":
        form.owner_id.data = current_user.id
        form.company_name.data = request.args.get("company", "")
    if form.validate_on_submit():
        contact = Contact(team_id=team_id())
        fill_contact(contact, form)
        db.session.add(contact)
        db.session.commit()
        flash(f"{contact.full_name} was added.", "success")
        return redirect(url_for(".detail", contact_id=contact.id))
    return render_form(form, None)


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
def edit(contact_id: int) -> str | Response:
    contact = get_for_team_or_404(Contact, contact_id)
    form = ContactForm(obj=contact)
    prepare_form(form)
    if request.method == "GET":
        form.company_name.data = contact.company.name if contact.company else ""
        form.additional_phones.data = format_phone_lines(contact.additional_phones or [])
        form.tags.data = ", ".join(contact.tag_list)
        form.owner_id.data = contact.owner_id or 0
    if form.validate_on_submit():
        fill_contact(contact, form)
        db.session.commit()
        flash(f"{contact.full_name} was saved.", "success")
        return redirect(url_for(".detail", contact_id=contact.id))
    return render_form(form, contact)


@bp.route("/<int:contact_id>/delete", methods=["POST"])
def delete(contact_id: int) -> Response:
    contact = get_for_team_or_404(Contact, contact_id)
    if DeleteForm().validate_on_submit():
        name = contact.full_name
        db.session.delete(contact)
        db.session.commit()
        flash(f"{name} was deleted.", "success")
    return redirect(url_for(".index"))
