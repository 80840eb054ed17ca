package stablegorm_test

import (
	"time"

	"gorm.io/gorm"
)

type Company struct {
	ID   uint
	Name string
}

type User struct {
	gorm.Model
	Name      string `gorm:"size:100;not null"`
	Email     string `gorm:"uniqueIndex"`
	Age       int
	Active    bool `gorm:"default:true"`
	Birthday  *time.Time
	CompanyID *uint
	Company   Company    // belongs to
	Profile   Profile    // has one
	Orders    []Order    // has many
	Languages []Language `gorm:"many2many:user_languages;"` // many to many
}

type Profile struct {
	ID     uint
	UserID uint
	Bio    string
}

type Order struct {
	ID     uint
	UserID uint
	Amount float64
	Note   string
}

type Language struct {
	ID   uint
	Code string `gorm:"unique"`
}

var allModels = []any{&User{}, &Profile{}, &Order{}, &Language{}, &Company{}}
