package idgovuatest

import "hromada/modules/idgovua"

// DefaultPeople are the people a Server offers when Options.People is nil:
// an individual who signs in with Diia, and a legal entity's representative
// who signs in with a qualified e-signature. They are made up; their
// numbers pass the check digits (the РНОКПП's first five digits are the
// birth date as days since 1899-12-31, the ninth odd for a man).
func DefaultPeople() []idgovua.Person {
	return []idgovua.Person{
		{
			GivenName:  "Олена",
			LastName:   "Коваленко",
			MiddleName: "Петрівна",
			RNOKPP:     "3300901248", // born 1990-05-17, a woman
			Email:      "olena.kovalenko@example.com",
			Phone:      "+380501234567",
			Address:    "м. Київ, вул. Хрещатик, 36, кв. 1",
			UNZR:       "19900517-01245",
			AuthType:   "diia_id",
		},
		{
			GivenName:  "Андрій",
			LastName:   "Бондар",
			MiddleName: "Іванович",
			RNOKPP:     "2879603710", // born 1978-11-03, a man
			EDRPOU:     "43127656",
			Email:      "a.bondar@example.com",
			Phone:      "+380671234567",
			Address:    "м. Львів, пл. Ринок, 1",
			UNZR:       "19781103-03712",
			AuthType:   "dig_sign",
		},
	}
}
