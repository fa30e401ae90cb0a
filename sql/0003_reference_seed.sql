-- 0003 reference seed: district governments, municipal departments, public-service enterprises and a realistic subset of the dispatch catalogue (派单目录).
--
-- Street-level units (街道/乡/镇/地区) are not seeded here; demo data loads them from data/demo-units.csv.
-- Tiers: 2h = emergency / risk to life or property; 24h = water, power, gas, heating supply; 7d = ordinary; 15d = complex.
-- seasonal_peak_month marks classes with a clear seasonal peak (heating 11, flood season 7, catkins 4, wage arrears 1, ...).

-- a. District governments (区人民政府): the fallback (兜底) owner of orders whose owner is unclear.
INSERT INTO hotline.units (id, kind, name_zh, name_en, district_code, street_type) VALUES
  ('gov.110101', 'district_government', '东城区人民政府',   'Dongcheng District Government',   '110101', NULL),
  ('gov.110102', 'district_government', '西城区人民政府',   'Xicheng District Government',     '110102', NULL),
  ('gov.110105', 'district_government', '朝阳区人民政府',   'Chaoyang District Government',    '110105', NULL),
  ('gov.110106', 'district_government', '丰台区人民政府',   'Fengtai District Government',     '110106', NULL),
  ('gov.110107', 'district_government', '石景山区人民政府', 'Shijingshan District Government', '110107', NULL),
  ('gov.110108', 'district_government', '海淀区人民政府',   'Haidian District Government',     '110108', NULL),
  ('gov.110109', 'district_government', '门头沟区人民政府', 'Mentougou District Government',   '110109', NULL),
  ('gov.110111', 'district_government', '房山区人民政府',   'Fangshan District Government',    '110111', NULL),
  ('gov.110112', 'district_government', '通州区人民政府',   'Tongzhou District Government',    '110112', NULL),
  ('gov.110113', 'district_government', '顺义区人民政府',   'Shunyi District Government',      '110113', NULL),
  ('gov.110114', 'district_government', '昌平区人民政府',   'Changping District Government',   '110114', NULL),
  ('gov.110115', 'district_government', '大兴区人民政府',   'Daxing District Government',      '110115', NULL),
  ('gov.110116', 'district_government', '怀柔区人民政府',   'Huairou District Government',     '110116', NULL),
  ('gov.110117', 'district_government', '平谷区人民政府',   'Pinggu District Government',      '110117', NULL),
  ('gov.110118', 'district_government', '密云区人民政府',   'Miyun District Government',       '110118', NULL),
  ('gov.110119', 'district_government', '延庆区人民政府',   'Yanqing District Government',     '110119', NULL);

-- b. Municipal departments (市级部门).
INSERT INTO hotline.units (id, kind, name_zh, name_en, district_code, street_type) VALUES
  ('dept.housing',             'department', '北京市住房和城乡建设委员会',     'Beijing Municipal Commission of Housing and Urban-Rural Development', NULL, NULL),
  ('dept.city-management',     'department', '北京市城市管理委员会',           'Beijing Municipal Commission of City Management',                     NULL, NULL),
  ('dept.transport',           'department', '北京市交通委员会',               'Beijing Municipal Commission of Transport',                           NULL, NULL),
  ('dept.water-affairs',       'department', '北京市水务局',                   'Beijing Water Authority',                                             NULL, NULL),
  ('dept.market-regulation',   'department', '北京市市场监督管理局',           'Beijing Municipal Administration for Market Regulation',              NULL, NULL),
  ('dept.human-resources',     'department', '北京市人力资源和社会保障局',     'Beijing Municipal Bureau of Human Resources and Social Security',     NULL, NULL),
  ('dept.ecology-environment', 'department', '北京市生态环境局',               'Beijing Municipal Ecology and Environment Bureau',                    NULL, NULL),
  ('dept.health',              'department', '北京市卫生健康委员会',           'Beijing Municipal Health Commission',                                 NULL, NULL),
  ('dept.education',           'department', '北京市教育委员会',               'Beijing Municipal Education Commission',                              NULL, NULL),
  ('dept.civil-affairs',       'department', '北京市民政局',                   'Beijing Municipal Civil Affairs Bureau',                              NULL, NULL),
  ('dept.public-security',     'department', '北京市公安局',                   'Beijing Municipal Public Security Bureau',                            NULL, NULL),
  ('dept.traffic-police',      'department', '北京市公安局公安交通管理局',     'Beijing Traffic Management Bureau (Municipal Public Security Bureau)', NULL, NULL),
  ('dept.planning',            'department', '北京市规划和自然资源委员会',     'Beijing Municipal Commission of Planning and Natural Resources',      NULL, NULL),
  ('dept.landscaping',         'department', '北京市园林绿化局',               'Beijing Municipal Forestry and Parks Bureau',                         NULL, NULL),
  ('dept.urban-enforcement',   'department', '北京市城市管理综合行政执法局',   'Beijing Municipal Urban Management Law Enforcement Bureau',           NULL, NULL),
  ('dept.emergency',           'department', '北京市应急管理局',               'Beijing Municipal Emergency Management Bureau',                       NULL, NULL),
  ('dept.fire-rescue',         'department', '北京市消防救援总队',             'Beijing Fire and Rescue Corps',                                       NULL, NULL),
  ('dept.medical-security',    'department', '北京市医疗保障局',               'Beijing Municipal Medical Security Bureau',                           NULL, NULL),
  ('dept.commerce',            'department', '北京市商务局',                   'Beijing Municipal Commerce Bureau',                                   NULL, NULL),
  ('dept.agriculture',         'department', '北京市农业农村局',               'Beijing Municipal Bureau of Agriculture and Rural Affairs',           NULL, NULL);

-- c. Public-service enterprises (公共服务企业).
INSERT INTO hotline.units (id, kind, name_zh, name_en, district_code, street_type) VALUES
  ('ent.water',    'enterprise', '北京市自来水集团有限责任公司',       'Beijing Waterworks Group',                   NULL, NULL),
  ('ent.power',    'enterprise', '国网北京市电力公司',                 'State Grid Beijing Electric Power Company',  NULL, NULL),
  ('ent.gas',      'enterprise', '北京市燃气集团有限责任公司',         'Beijing Gas Group',                          NULL, NULL),
  ('ent.heating',  'enterprise', '北京市热力集团有限责任公司',         'Beijing District Heating Group',             NULL, NULL),
  ('ent.bus',      'enterprise', '北京公共交通控股（集团）有限公司',   'Beijing Public Transport Holdings (Group)',  NULL, NULL),
  ('ent.subway',   'enterprise', '北京市地铁运营有限公司',             'Beijing Subway Operation Company',           NULL, NULL),
  ('ent.drainage', 'enterprise', '北京城市排水集团有限责任公司',       'Beijing Drainage Group',                     NULL, NULL),
  ('ent.unicom',   'enterprise', '中国联合网络通信有限公司北京市分公司', 'China Unicom Beijing Branch',              NULL, NULL),
  ('ent.mobile',   'enterprise', '中国移动通信集团北京有限公司',       'China Mobile Beijing',                       NULL, NULL),
  ('ent.telecom',  'enterprise', '中国电信股份有限公司北京分公司',     'China Telecom Beijing Branch',               NULL, NULL);

-- d. Dispatch catalogue, top level: areas (2-digit codes, no parent, no direction or tier).
INSERT INTO hotline.categories (code, parent_code, name_zh, name_en, direction, default_unit_id, tier, seasonal_peak_month) VALUES
  ('01', NULL, '供热',           'Heating',                               NULL, NULL, NULL, NULL),
  ('02', NULL, '供水',           'Water supply',                          NULL, NULL, NULL, NULL),
  ('03', NULL, '供电',           'Power supply',                          NULL, NULL, NULL, NULL),
  ('04', NULL, '燃气',           'Gas supply',                            NULL, NULL, NULL, NULL),
  ('05', NULL, '物业与住房',     'Property management and housing',       NULL, NULL, NULL, NULL),
  ('06', NULL, '噪声扰民',       'Noise nuisance',                        NULL, NULL, NULL, NULL),
  ('07', NULL, '交通出行',       'Transport, parking and mobility',       NULL, NULL, NULL, NULL),
  ('08', NULL, '市容环境卫生',   'City appearance and sanitation',        NULL, NULL, NULL, NULL),
  ('09', NULL, '市政设施',       'Municipal facilities',                  NULL, NULL, NULL, NULL),
  ('10', NULL, '排水与防汛',     'Drainage and flood control',            NULL, NULL, NULL, NULL),
  ('11', NULL, '园林绿化',       'Greenery and trees',                    NULL, NULL, NULL, NULL),
  ('12', NULL, '生态环境',       'Ecology and environment',               NULL, NULL, NULL, NULL),
  ('13', NULL, '劳动与社会保障', 'Labour and social security',            NULL, NULL, NULL, NULL),
  ('14', NULL, '民政与养老',     'Civil affairs and elderly care',        NULL, NULL, NULL, NULL),
  ('15', NULL, '市场监管',       'Market regulation',                     NULL, NULL, NULL, NULL),
  ('16', NULL, '教育',           'Education',                             NULL, NULL, NULL, NULL),
  ('17', NULL, '医疗卫生',       'Health and medical care',               NULL, NULL, NULL, NULL),
  ('18', NULL, '公共安全',       'Public safety (non-emergency)',         NULL, NULL, NULL, NULL);

-- d. Dispatch catalogue, classes (4-digit codes under their area).
INSERT INTO hotline.categories (code, parent_code, name_zh, name_en, direction, default_unit_id, tier, seasonal_peak_month) VALUES
  -- 01 供热 Heating
  ('0101', '01', '室温不达标',             'Indoor temperature below standard',              'enterprise', 'ent.heating',   '24h', 11),
  ('0102', '01', '不供热',                 'No heating',                                     'enterprise', 'ent.heating',   '24h', 11),
  ('0103', '01', '供热管线跑水',           'Burst or leaking heating pipe',                  'enterprise', 'ent.heating',   '2h',  11),
  ('0104', '01', '自管锅炉房供热',         'Heating from self-managed boiler rooms',         'street',     NULL,            '24h', 11),
  ('0105', '01', '供热收费与报停',         'Heating fees and suspension of service',         'district',   NULL,            '7d',  11),
  -- 02 供水 Water supply
  ('0201', '02', '停水',                   'Water outage',                                   'enterprise', 'ent.water',     '24h', NULL),
  ('0202', '02', '水质问题',               'Tap water quality',                              'enterprise', 'ent.water',     '24h', NULL),
  ('0203', '02', '水压低',                 'Low water pressure',                             'enterprise', 'ent.water',     '24h', 7),
  ('0204', '02', '供水管线爆裂漏水',       'Burst or leaking water main',                    'enterprise', 'ent.water',     '2h',  1),
  ('0205', '02', '二次供水',               'Secondary water supply (building tanks and pumps)', 'street',  NULL,            '24h', NULL),
  ('0206', '02', '水费缴纳',               'Water bills and payment',                        'enterprise', 'ent.water',     '7d',  NULL),
  -- 03 供电 Power supply
  ('0301', '03', '停电',                   'Power outage',                                   'enterprise', 'ent.power',     '24h', 7),
  ('0302', '03', '电压不稳',               'Unstable or low voltage',                        'enterprise', 'ent.power',     '24h', 7),
  ('0303', '03', '电力设施安全隐患',       'Hazardous power lines or facilities',            'enterprise', 'ent.power',     '2h',  NULL),
  ('0304', '03', '电动自行车充电设施',     'Charging points for electric bicycles',          'street',     NULL,            '7d',  NULL),
  -- 04 燃气 Gas supply
  ('0401', '04', '燃气泄漏及异味',         'Gas leak or gas smell',                          'enterprise', 'ent.gas',       '2h',  NULL),
  ('0402', '04', '停气',                   'Gas outage',                                     'enterprise', 'ent.gas',       '24h', NULL),
  ('0403', '04', '燃气缴费及IC卡',         'Gas payment and prepaid IC cards',               'enterprise', 'ent.gas',       '7d',  NULL),
  ('0404', '04', '燃气设施改造',           'Gas facility upgrades and replacement',          'department', 'dept.city-management', '15d', NULL),
  -- 05 物业与住房 Property management and housing
  ('0501', '05', '物业服务',               'Property management services',                   'street',     NULL,            '7d',  NULL),
  ('0502', '05', '物业收费',               'Property management fees',                       'street',     NULL,            '7d',  NULL),
  ('0503', '05', '老楼加装电梯',           'Installing lifts in old buildings',              'department', 'dept.housing',  '15d', NULL),
  ('0504', '05', '电梯故障',               'Lift breakdown',                                 'street',     NULL,            '24h', NULL),
  ('0505', '05', '房屋租赁纠纷',           'Rental disputes',                                'department', 'dept.housing',  '15d', NULL),
  ('0506', '05', '房屋漏雨渗水',           'Leaking roofs and walls',                        'street',     NULL,            '7d',  7),
  ('0507', '05', '征地拆迁',               'Land expropriation and demolition',              'district',   NULL,            '15d', NULL),
  ('0508', '05', '不动产登记',             'Real estate registration and title certificates', 'department', 'dept.planning', '15d', NULL),
  ('0509', '05', '老旧小区综合整治',       'Renovation of old residential compounds',        'district',   NULL,            '15d', NULL),
  -- 06 噪声扰民 Noise nuisance
  ('0601', '06', '夜间施工噪声',           'Construction noise at night',                    'street',     NULL,            '7d',  NULL),
  ('0602', '06', '商业经营噪声',           'Noise from shops and businesses',                'street',     NULL,            '7d',  NULL),
  ('0603', '06', '社会生活噪声',           'Neighbourhood and public-space noise',           'street',     NULL,            '7d',  6),
  ('0604', '06', '交通噪声',               'Road and rail traffic noise',                    'district',   NULL,            '15d', NULL),
  -- 07 交通出行 Transport, parking and mobility
  ('0701', '07', '违法停车',               'Illegal parking',                                'department', 'dept.traffic-police', '7d', NULL),
  ('0702', '07', '停车收费',               'Parking fees',                                   'department', 'dept.transport', '7d', NULL),
  ('0703', '07', '小区停车难',             'Parking shortage in residential compounds',      'street',     NULL,            '15d', NULL),
  ('0704', '07', '共享单车乱停放',         'Disorderly parking of shared bikes',             'department', 'dept.transport', '7d', NULL),
  ('0705', '07', '公交线路与站点',         'Bus routes and stops',                           'enterprise', 'ent.bus',       '15d', NULL),
  ('0706', '07', '公交运营服务',           'Bus service quality',                            'enterprise', 'ent.bus',       '7d',  NULL),
  ('0707', '07', '地铁运营服务',           'Subway service quality',                         'enterprise', 'ent.subway',    '7d',  NULL),
  ('0708', '07', '出租车与网约车',         'Taxis and ride-hailing',                         'department', 'dept.transport', '7d', NULL),
  ('0709', '07', '交通信号灯与标志标线',   'Traffic signals, signs and markings',            'department', 'dept.traffic-police', '7d', NULL),
  -- 08 市容环境卫生 City appearance and sanitation
  ('0801', '08', '垃圾分类',               'Garbage sorting',                                'street',     NULL,            '7d',  NULL),
  ('0802', '08', '垃圾清运不及时',         'Uncollected garbage',                            'street',     NULL,            '7d',  NULL),
  ('0803', '08', '违法建设',               'Illegal construction',                           'street',     NULL,            '15d', NULL),
  ('0804', '08', '占道经营',               'Street vending and shopfront encroachment',      'street',     NULL,            '7d',  NULL),
  ('0805', '08', '非法小广告',             'Illegal flyers and posted ads',                  'street',     NULL,            '7d',  NULL),
  ('0806', '08', '公共厕所',               'Public toilets',                                 'street',     NULL,            '7d',  NULL),
  -- 09 市政设施 Municipal facilities
  ('0901', '09', '道路破损坑洼',           'Potholes and damaged roads',                     'department', 'dept.city-management', '7d', NULL),
  ('0902', '09', '路灯不亮',               'Street lights out',                              'department', 'dept.city-management', '7d', NULL),
  ('0903', '09', '井盖缺失破损',           'Missing or broken manhole covers',               'district',   NULL,            '2h',  NULL),
  ('0904', '09', '无障碍设施',             'Barrier-free access facilities',                 'district',   NULL,            '15d', NULL),
  ('0905', '09', '人行道与过街设施',       'Pavements and pedestrian crossings',             'department', 'dept.city-management', '15d', NULL),
  -- 10 排水与防汛 Drainage and flood control
  ('1001', '10', '道路积水',               'Road flooding and standing water',               'enterprise', 'ent.drainage',  '2h',  7),
  ('1002', '10', '下水道堵塞',             'Blocked drains and sewers',                      'enterprise', 'ent.drainage',  '24h', 7),
  ('1003', '10', '污水外溢',               'Sewage overflow',                                'enterprise', 'ent.drainage',  '24h', 7),
  ('1004', '10', '雨水倒灌',               'Rainwater flowing into homes and basements',     'street',     NULL,            '2h',  7),
  ('1005', '10', '河道治理',               'Rivers and waterways',                           'department', 'dept.water-affairs', '15d', NULL),
  -- 11 园林绿化 Greenery and trees
  ('1101', '11', '树木倒伏',               'Fallen or leaning trees',                        'district',   NULL,            '2h',  7),
  ('1102', '11', '树木修剪',               'Tree pruning',                                   'street',     NULL,            '7d',  NULL),
  ('1103', '11', '绿地养护',               'Green space maintenance',                        'district',   NULL,            '7d',  NULL),
  ('1104', '11', '杨柳飞絮',               'Poplar and willow catkins',                      'department', 'dept.landscaping', '7d', 4),
  ('1105', '11', '公园服务管理',           'Park services and management',                   'department', 'dept.landscaping', '7d', NULL),
  -- 12 生态环境 Ecology and environment
  ('1201', '12', '餐饮油烟',               'Cooking fumes from restaurants',                 'street',     NULL,            '7d',  NULL),
  ('1202', '12', '大气污染',               'Air pollution',                                  'department', 'dept.ecology-environment', '7d', NULL),
  ('1203', '12', '施工扬尘',               'Construction dust',                              'street',     NULL,            '7d',  NULL),
  ('1204', '12', '露天焚烧',               'Open burning',                                   'street',     NULL,            '7d',  NULL),
  ('1205', '12', '水污染',                 'Water pollution',                                'department', 'dept.ecology-environment', '15d', NULL),
  -- 13 劳动与社会保障 Labour and social security
  ('1301', '13', '拖欠工资',               'Wage arrears',                                   'department', 'dept.human-resources', '15d', 1),
  ('1302', '13', '社会保险',               'Social insurance',                               'department', 'dept.human-resources', '15d', NULL),
  ('1303', '13', '劳动合同纠纷',           'Labour contract disputes',                       'department', 'dept.human-resources', '15d', NULL),
  ('1304', '13', '新就业形态劳动者权益',   'Rights of gig and platform workers',             'department', 'dept.human-resources', '15d', NULL),
  ('1305', '13', '就业创业服务',           'Employment and entrepreneurship services',       'department', 'dept.human-resources', '7d',  NULL),
  -- 14 民政与养老 Civil affairs and elderly care
  ('1401', '14', '居家养老服务',           'Home-based elderly care',                        'department', 'dept.civil-affairs', '15d', NULL),
  ('1402', '14', '养老机构',               'Elderly care homes',                             'department', 'dept.civil-affairs', '15d', NULL),
  ('1403', '14', '老年餐桌',               'Meal services for the elderly',                  'street',     NULL,            '7d',  NULL),
  ('1404', '14', '社会救助',               'Social assistance and minimum living allowance', 'street',     NULL,            '15d', NULL),
  ('1405', '14', '残疾人服务',             'Services for people with disabilities',          'district',   NULL,            '15d', NULL),
  -- 15 市场监管 Market regulation
  ('1501', '15', '食品安全',               'Food safety',                                    'department', 'dept.market-regulation', '7d',  NULL),
  ('1502', '15', '消费纠纷',               'Consumer disputes',                              'department', 'dept.market-regulation', '7d',  NULL),
  ('1503', '15', '预付式消费退费',         'Prepaid card refunds (gyms, training, beauty)',  'department', 'dept.market-regulation', '15d', NULL),
  ('1504', '15', '价格违法',               'Price violations',                               'department', 'dept.market-regulation', '7d',  NULL),
  ('1505', '15', '无照经营',               'Unlicensed businesses',                          'street',     NULL,            '7d',  NULL),
  -- 16 教育 Education
  ('1601', '16', '入学入园',               'School and kindergarten enrolment',              'district',   NULL,            '15d', 5),
  ('1602', '16', '校外培训',               'Off-campus tutoring',                            'department', 'dept.education', '15d', NULL),
  ('1603', '16', '校园周边环境',           'Safety and order around schools',                'street',     NULL,            '7d',  9),
  -- 17 医疗卫生 Health and medical care
  ('1701', '17', '医疗服务',               'Hospital and medical services',                  'department', 'dept.health',   '7d',  NULL),
  ('1702', '17', '预约挂号',               'Medical appointments and registration',          'department', 'dept.health',   '7d',  NULL),
  ('1703', '17', '医保报销',               'Medical insurance reimbursement',                'department', 'dept.medical-security', '15d', NULL),
  ('1704', '17', '病媒生物防治',           'Pest control (rats, mosquitoes, cockroaches)',   'street',     NULL,            '7d',  7),
  -- 18 公共安全 Public safety (non-emergency)
  ('1801', '18', '治安问题',               'Public order (non-emergency)',                   'department', 'dept.public-security', '7d', NULL),
  ('1802', '18', '消防通道占用',           'Blocked fire lanes',                             'street',     NULL,            '7d',  NULL),
  ('1803', '18', '养犬管理',               'Dog management (unleashed, barking, fouling)',   'street',     NULL,            '7d',  NULL),
  ('1804', '18', '燃放烟花爆竹',           'Fireworks and firecrackers',                     'department', 'dept.public-security', '7d', 2),
  ('1805', '18', '安全生产隐患',           'Workplace safety hazards',                       'department', 'dept.emergency', '7d', NULL);
