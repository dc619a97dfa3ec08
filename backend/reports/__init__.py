"""Reports: the monthly safety report (PDF) and every list as CSV and XLSX, stored in the object store."""
