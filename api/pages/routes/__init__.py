"""The pages, one module per area, each owning its routes, templates (`templates/<area>/`) and
words (`locales/<locale>/<area>.po`, keys prefixed with the area).

Addresses (all under `/ui/` but the home page `/`):
- home: `/` work list; `/ui/signin`, `/ui/signout`, `/ui/language`, `/ui/text-size`
- cases: `/ui/cases` (search and list), `/ui/cases/new`, `/ui/cases/{id}` (the case page) and
  its command forms `/ui/cases/{id}/<command>` (risk, assignment, intervention, consent, reopening)
- decisions: `/ui/cases/{id}/plan`, `/ui/cases/{id}/closure`, `/ui/cases/{id}/transfer`
  (submit, approve, return, goal reviews; request, accept, decline, withdraw a transfer)
- mentoring: `/ui/pairs`, `/ui/pairs/new?case_id=`, `/ui/pairs/{id}`, `/ui/pairs/{id}/session`, `/ui/pairs/{id}/goals`
- referrals: `/ui/referrals`, `/ui/referrals/new?case_id=`, `/ui/referrals/{id}`
- coordination: `/ui/coordination`, `/ui/report`
- audit: `/ui/audit`, `/ui/audit/access-log`, `/ui/records/{kind}/{id}/history`, `/ui/records/{kind}/{id}/at`
- sealing: `/ui/cases/{id}/seal`, `/ui/cases/{id}/sealed?purpose=` (a sealed case read for a stated
  purpose), `/ui/cases/{id}/unseal`, `/ui/admin/erasure`
- admin: `/ui/admin/users`, `/ui/admin/stations`, `/ui/admin/departments`, `/ui/admin/volunteers`;
  `/ui/account/password` (everyone's own)
"""
