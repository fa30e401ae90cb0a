-- Reference data: districts (fixed facts, seeded here), organisational units, and the dispatch catalogue (派单目录).
-- Units and the catalogue are city-wide reference tables (replicated to every node on Citus, see docs/scaling.md);
-- they hold no district's private data, so every authenticated role may read them. Only the owner writes them
-- (migrations, `hotline demo-data`, `hotline import-units`); an admin API for them comes with the identity issue.

-- 区: the 16 districts of Beijing, GB/T 2260 codes.
CREATE TABLE hotline.districts (
    code        text PRIMARY KEY CHECK (code ~ '^1101[0-9]{2}$'),
    name_zh     text NOT NULL CHECK (name_zh <> ''),
    name_pinyin text NOT NULL CHECK (name_pinyin <> ''),
    sort_order  int  NOT NULL
);

INSERT INTO hotline.districts (code, name_zh, name_pinyin, sort_order) VALUES
    ('110101', '东城区',   'Dongcheng',   1),
    ('110102', '西城区',   'Xicheng',     2),
    ('110105', '朝阳区',   'Chaoyang',    3),
    ('110106', '丰台区',   'Fengtai',     4),
    ('110107', '石景山区', 'Shijingshan', 5),
    ('110108', '海淀区',   'Haidian',     6),
    ('110109', '门头沟区', 'Mentougou',   7),
    ('110111', '房山区',   'Fangshan',    8),
    ('110112', '通州区',   'Tongzhou',    9),
    ('110113', '顺义区',   'Shunyi',     10),
    ('110114', '昌平区',   'Changping',  11),
    ('110115', '大兴区',   'Daxing',     12),
    ('110116', '怀柔区',   'Huairou',    13),
    ('110117', '平谷区',   'Pinggu',     14),
    ('110118', '密云区',   'Miyun',      15),
    ('110119', '延庆区',   'Yanqing',    16);

-- Units that receive orders: street-level units (街道/乡/镇/地区, 9-digit codes under their district), the district
-- governments (兜底 fallback), municipal departments (市级部门) and public-service enterprises (公共服务企业).
CREATE TABLE hotline.units (
    id            text PRIMARY KEY CHECK (id ~ '^([0-9]{9}|gov\.1101[0-9]{2}|dept\.[a-z0-9-]+|ent\.[a-z0-9-]+)$'),
    kind          text NOT NULL CHECK (kind IN ('street', 'district_government', 'department', 'enterprise')),
    name_zh       text NOT NULL CHECK (name_zh <> ''),
    name_en       text NOT NULL CHECK (name_en <> ''),
    district_code text REFERENCES hotline.districts (code),
    street_type   text CHECK (street_type IN ('subdistrict', 'township', 'town', 'area')),
    active        boolean NOT NULL DEFAULT true,
    -- The id tells the kind, and the district a street or government belongs to.
    CONSTRAINT units_kind_shape CHECK (
        CASE kind
            WHEN 'street' THEN id ~ '^[0-9]{9}$' AND district_code IS NOT NULL
                               AND left(id, 6) = district_code AND street_type IS NOT NULL
            WHEN 'district_government' THEN id = 'gov.' || district_code AND street_type IS NULL
            WHEN 'department' THEN id LIKE 'dept.%' AND district_code IS NULL AND street_type IS NULL
            WHEN 'enterprise' THEN id LIKE 'ent.%' AND district_code IS NULL AND street_type IS NULL
        END
    )
);
CREATE INDEX units_district_code_kind_idx ON hotline.units (district_code, kind);
CREATE INDEX units_kind_idx ON hotline.units (kind);

-- The dispatch catalogue: areas (2-digit codes) group classes (4-digit, or 6-digit sub-classes); each class carries
-- its default handling direction and time-limit tier (BRIEF: 2 h emergencies, 24 h supply, 7 d ordinary, 15 d complex).
CREATE TABLE hotline.categories (
    code                text PRIMARY KEY CHECK (code ~ '^[0-9]{2}([0-9]{2}){0,2}$'),
    parent_code         text REFERENCES hotline.categories (code),
    name_zh             text NOT NULL CHECK (name_zh <> ''),
    name_en             text NOT NULL CHECK (name_en <> ''),
    direction           text CHECK (direction IN ('street', 'district', 'department', 'enterprise')),
    default_unit_id     text REFERENCES hotline.units (id),
    tier                text CHECK (tier IN ('2h', '24h', '7d', '15d')),
    seasonal_peak_month int CHECK (seasonal_peak_month BETWEEN 1 AND 12),
    active              boolean NOT NULL DEFAULT true,
    CONSTRAINT categories_shape CHECK (
        CASE WHEN length(code) = 2
            THEN parent_code IS NULL AND direction IS NULL AND tier IS NULL AND default_unit_id IS NULL
            ELSE parent_code = left(code, length(code) - 2) AND direction IS NOT NULL AND tier IS NOT NULL
                 AND ((direction IN ('department', 'enterprise')) = (default_unit_id IS NOT NULL))
        END
    )
);
CREATE INDEX categories_parent_code_idx ON hotline.categories (parent_code);

-- Reference tables are readable by the server; only the owner changes them for now.
GRANT SELECT ON hotline.districts, hotline.units, hotline.categories TO hotline_app;
