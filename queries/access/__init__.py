"""Who sees what: the users file (roles and provider scope) and the audit log of views and
exports (methods.md section 6, "Roles"; "Every view and export is audit-logged")."""
