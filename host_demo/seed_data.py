"""Word lists for the demo's seed data: varied names, companies, titles and notes."""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "Aaliyah", "Aarav", "Abigail", "Adrián", "Aiko", "Alejandro", "Amara", "Amelia", "Ana",
    "Andrés",
    "Anika", "Arjun", "Astrid", "Beatriz", "Ben", "Bianca", "Camila", "Carlos", "Chen", "Chloé",
    "Chris", "Daniel", "Dara", "David", "Divya", "Elena", "Eli", "Emeka", "Emily", "Emma", "Ethan",
    "Fatima", "Felix", "Freya", "Gabriel", "Grace", "Hana", "Hannah", "Haruto", "Hassan", "Ines",
    "Isabel", "Ivan", "Jack", "Jamal", "James", "Jana", "Javier", "Jin", "João", "Jonas", "Julia",
    "Kai", "Karin", "Kenji", "Kofi", "Lars", "Laura", "Leila", "Lena", "Liam", "Lucas", "Lucía",
    "Mai", "Malik", "Marco", "Maria", "Mateo", "Maya", "Mei", "Mohammed", "Nadia", "Naomi", "Nia",
    "Noah", "Nora", "Olga", "Oliver", "Omar", "Paolo", "Priya", "Rafael", "Rahul", "Rina", "Rosa",
    "Ryan", "Sakura", "Samir", "Sara", "Sean", "Sofia", "Sophie", "Stefan", "Tariq", "Thomas",
    "Tomás", "Uma", "Valentina", "Victor", "Wei", "Yara", "Yusuf", "Zara", "Zoe",
)

LAST_NAMES: tuple[str, ...] = (
    "Abbott", "Adeyemi", "Alvarez", "Andersen", "Bakker", "Banerjee", "Becker", "Bennett", "Berg",
    "Brooks", "Castillo", "Chen", "Costa", "Dubois", "Eriksson", "Fernández", "Fischer",
    "Fitzgerald", "Fontaine", "García", "Gómez", "Gupta", "Hansen", "Hartmann", "Hayes",
    "Hoffmann", "Holm",
    "Ibrahim", "Ito", "Jansen", "Johansson", "Kaur", "Kim", "Kowalski", "Kumar", "Larsen",
    "Laurent", "Lee", "Lindqvist", "Liu", "López", "Martin", "Mendes", "Meyer", "Moreau",
    "Müller", "Murphy",
    "Nakamura", "Nguyen", "Novak", "O'Brien", "Okafor", "Olsen", "Ortiz", "Patel", "Pereira",
    "Petrov", "Popescu", "Quinn", "Ramírez", "Rao", "Reyes", "Rossi", "Russo", "Sato", "Schmidt",
    "Schneider", "Silva", "Singh", "Smith", "Sousa", "Suzuki", "Tanaka", "Thompson", "Torres",
    "Van der Berg", "Vargas", "Walsh", "Wang", "Weber", "Williams", "Wójcik", "Yamamoto", "Yilmaz",
    "Zhang", "Zimmermann",
)

#: (name, domain, industry, size, city, country)
COMPANIES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("Acme Robotics", "acmerobotics.io", "Manufacturing", "201-1000", "Pittsburgh",
     "United States"),
    ("Aurora Health", "aurorahealth.org", "Healthcare", "1000+", "Chicago", "United States"),
    ("Bluefin Analytics", "bluefin.ai", "Software", "51-200", "Boston", "United States"),
    ("Brightline Logistics", "brightline-logistics.com", "Logistics", "201-1000", "Rotterdam",
     "Netherlands"),
    ("Cedar & Stone Architects", "cedarstone.design", "Architecture", "11-50", "Portland",
     "United States"),
    ("Cobalt Payments", "cobaltpay.com", "Financial Services", "201-1000", "London",
     "United Kingdom"),
    ("Copperleaf Foods", "copperleaffoods.com", "Food & Beverage", "51-200", "Austin",
     "United States"),
    ("Delta Marine Services", "deltamarine.no", "Maritime", "51-200", "Bergen", "Norway"),
    ("Evergreen Energy", "evergreen-energy.de", "Energy", "1000+", "Hamburg", "Germany"),
    ("Fjord Software", "fjordsoftware.se", "Software", "11-50", "Stockholm", "Sweden"),
    ("Globex Corporation", "globex.com", "Conglomerate", "1000+", "Springfield", "United States"),
    ("Harbor Legal LLP", "harborlegal.com", "Legal", "51-200", "Seattle", "United States"),
    ("Helios Solar", "heliossolar.es", "Energy", "201-1000", "Seville", "Spain"),
    ("Indigo Learning", "indigolearning.com", "Education", "11-50", "Toronto", "Canada"),
    ("Juniper Retail Group", "juniperretail.com", "Retail", "1000+", "Manchester",
     "United Kingdom"),
    ("Kestrel Aerospace", "kestrel-aero.com", "Aerospace", "201-1000", "Toulouse", "France"),
    ("Lumen Media", "lumenmedia.co", "Media", "51-200", "New York", "United States"),
    ("Maple Leaf Insurance", "mapleleafins.ca", "Insurance", "1000+", "Montreal", "Canada"),
    ("Meridian Hotels", "meridianhotels.com", "Hospitality", "1000+", "Lisbon", "Portugal"),
    ("Nimbus Cloud", "nimbuscloud.dev", "Software", "51-200", "Dublin", "Ireland"),
    ("Northstar Consulting", "northstar-consulting.com", "Consulting", "11-50", "Denver",
     "United States"),
    ("Oakridge Bank", "oakridgebank.com", "Banking", "1000+", "Charlotte", "United States"),
    ("Orbit Telecom", "orbittelecom.com.br", "Telecommunications", "1000+", "São Paulo", "Brazil"),
    ("Pinnacle Construction", "pinnaclebuild.com.au", "Construction", "201-1000", "Melbourne",
     "Australia"),
    ("Quantum Labs", "quantumlabs.io", "Research", "11-50", "Cambridge", "United Kingdom"),
    ("Redwood Pharma", "redwoodpharma.com", "Pharmaceuticals", "1000+", "Basel", "Switzerland"),
    ("Sakura Electronics", "sakura-elec.jp", "Electronics", "1000+", "Osaka", "Japan"),
    ("Silverline Freight", "silverlinefreight.com", "Logistics", "51-200", "Singapore",
     "Singapore"),
    ("Summit Outdoor Gear", "summitgear.com", "Retail", "51-200", "Boulder", "United States"),
    ("Tidewater Capital", "tidewatercap.com", "Financial Services", "11-50", "Miami",
     "United States"),
    ("Umbra Security", "umbrasec.com", "Cybersecurity", "51-200", "Tel Aviv", "Israel"),
    ("Vantage Motors", "vantagemotors.de", "Automotive", "1000+", "Stuttgart", "Germany"),
    ("Willow Creek Farms", "willowcreekfarms.com", "Agriculture", "11-50", "Fresno",
     "United States"),
    ("Xenon Biotech", "xenonbio.com", "Biotechnology", "51-200", "San Diego", "United States"),
    ("Yellowstone Travel", "yellowstonetravel.com", "Travel", "11-50", "Bozeman", "United States"),
    ("Zephyr Wind Power", "zephyrwind.dk", "Energy", "201-1000", "Aarhus", "Denmark"),
    ("Atlas Freight Systems", "atlasfreight.mx", "Logistics", "201-1000", "Monterrey", "Mexico"),
    ("Beacon Nonprofit Network", "beaconnetwork.org", "Non-profit", "11-50", "Washington",
     "United States"),
)

#: Country calling codes used to give phones a realistic shape per company country.
CALLING_CODES: dict[str, str] = {
    "United States": "+1", "Canada": "+1", "United Kingdom": "+44", "Germany": "+49",
    "France": "+33", "Spain": "+34", "Portugal": "+351", "Netherlands": "+31", "Norway": "+47",
    "Sweden": "+46", "Denmark": "+45", "Ireland": "+353", "Switzerland": "+41", "Japan": "+81",
    "Brazil": "+55", "Australia": "+61", "Singapore": "+65", "Israel": "+972", "Mexico": "+52",
}

TITLES: tuple[str, ...] = (
    "CEO", "CTO", "CFO", "COO", "VP of Sales", "VP of Marketing", "VP of Engineering",
    "Head of Operations", "Head of Procurement", "Head of People", "Director of IT",
    "Sales Manager", "Account Executive", "Marketing Manager", "Product Manager",
    "Engineering Manager", "Software Engineer", "Data Scientist", "Operations Analyst",
    "Office Manager", "Procurement Specialist", "Customer Success Manager", "Founder",
    "Partner", "General Counsel", "Controller", "Buyer", "Project Manager",
)

TAGS: tuple[str, ...] = (
    "vip", "partner", "newsletter", "webinar", "referral", "conference", "enterprise", "smb",
    "churn-risk", "decision-maker", "champion", "trial",
)

PERSONAL_DOMAINS: tuple[str, ...] = ("gmail.com", "outlook.com", "proton.me", "icloud.com")

NOTES: tuple[str, ...] = (
    "Met at the spring trade show; interested in the annual plan.",
    "Prefers email over calls. Budget review happens in Q3.",
    "Introduced by a mutual contact. Wants a demo for the whole team.",
    "Evaluating two other vendors; price is the main concern.",
    "Renewal due soon. Asked about volume discounts.",
    "Very responsive. Send the case study from the logistics rollout.",
    "Decision needs sign-off from finance; follow up after the board meeting.",
    "Moved from a previous company where they were a customer.",
    "Asked for SSO and audit logs before they can move forward.",
    "Out of office until the end of the month.",
)

#: (kind, subject) pairs for activities.
ACTIVITY_SUBJECTS: tuple[tuple[str, str], ...] = (
    ("task", "Send proposal"), ("task", "Follow up on pricing questions"),
    ("task", "Prepare contract draft"), ("task", "Share onboarding checklist"),
    ("task", "Book quarterly business review"), ("call", "Discovery call"),
    ("call", "Pricing call"), ("call", "Check-in call"), ("email", "Sent product overview"),
    ("email", "Replied about integration options"), ("email", "Sent renewal quote"),
    ("meeting", "Product demo"), ("meeting", "Kick-off meeting"), ("meeting", "On-site visit"),
    ("note", "Budget confirmed for next quarter"), ("note", "New stakeholder joined the thread"),
)
