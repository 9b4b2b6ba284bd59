# Day, month name, year, as newspapers in Iraq and Syria write them: "30 نيسان 2017". Western digits with a
# comma between thousands and a point before decimals, as the codes, coordinates and downloads have them
# (Django's Arabic default separates thousands with a point: 1.234 would read as a decimal).
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i"
YEAR_MONTH_FORMAT = "F Y"
SHORT_DATE_FORMAT = "Y-m-d"
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = "."
