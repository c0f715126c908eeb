PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
INSERT INTO meta VALUES('schema_version','12');
INSERT INTO meta VALUES('application','klartext');
CREATE TABLE org (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
INSERT INTO org VALUES('organisation.name','Beispiel Versand GmbH');
INSERT INTO org VALUES('organisation.address','Musterstraße 12, 10115 Berlin, Germany');
INSERT INTO org VALUES('organisation.timezone','Europe/Berlin');
INSERT INTO org VALUES('organisation.languages','de,en');
INSERT INTO org VALUES('organisation.records_language','en');
INSERT INTO org VALUES('organisation.nis2','no');
INSERT INTO org VALUES('dpo.name','Dr. Jana Schreiber');
INSERT INTO org VALUES('dpo.email','datenschutz@beispiel-versand.example');
INSERT INTO org VALUES('dpo.phone','+49 30 1234567-0');
INSERT INTO org VALUES('service.phone','+49 30 1234567-100');
INSERT INTO org VALUES('service.hours','Mon–Sat 8:00–20:00');
INSERT INTO org VALUES('notices.from','datenschutz@beispiel-versand.example');
INSERT INTO org VALUES('notices.reply_to','datenschutz@beispiel-versand.example');
INSERT INTO org VALUES('authority.lead','Berliner Beauftragte für Datenschutz und Informationsfreiheit');
INSERT INTO org VALUES('portal.url','https://verify.beispiel-versand.example');
CREATE TABLE incident (
  id INTEGER PRIMARY KEY,
  ref TEXT NOT NULL UNIQUE,
  year INTEGER NOT NULL, seq INTEGER NOT NULL,
  title TEXT NOT NULL,
  description TEXT, breach_types TEXT, cause TEXT,
  status TEXT NOT NULL DEFAULT 'suspected',
  aware_at INTEGER NOT NULL, aware_how TEXT NOT NULL,
  occurred_from INTEGER, occurred_until INTEGER, contained_at INTEGER,
  data_categories TEXT, data_not_affected TEXT, subject_categories TEXT,
  approx_subjects INTEGER, approx_records INTEGER,
  consequences TEXT, measures_taken TEXT, measures_proposed TEXT,
  cross_border INTEGER, lead_authority TEXT, delay_reason TEXT,
  nis2_significant INTEGER,
  notified_at INTEGER, nis2_warning_at INTEGER, nis2_notified_at INTEGER, nis2_final_at INTEGER,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  UNIQUE (year, seq)
) STRICT;
INSERT INTO incident VALUES(1,'2018-0001',2018,1,'Profile pages',NULL,NULL,NULL,'suspected',1542791520,'customer',NULL,NULL,NULL,NULL,NULL,NULL,21,42,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1542880800,1542880800);
INSERT INTO incident VALUES(2,'2018-0002',2018,2,'Closed',NULL,NULL,NULL,'closed',1542791520,'x',NULL,NULL,NULL,NULL,NULL,NULL,5,10,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1542880800,1542880800);
CREATE TABLE event (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
  kind TEXT NOT NULL, text TEXT NOT NULL, actor TEXT NOT NULL,
  corrects INTEGER,
  UNIQUE (incident_id, seq)
) STRICT;
INSERT INTO event VALUES(1,1,1,1542791520,1542880800,'aware','Became aware: customer','root',NULL);
INSERT INTO event VALUES(2,1,2,1542880800,1542880800,'created','Incident recorded as suspected breach: Profile pages','root',NULL);
INSERT INTO event VALUES(3,1,3,1542880800,1542880800,'scan','Exposure scan version 1: 27 lines read (27 parsed in full), 27 matched, 0 malformed; 20 people, 40 records, 27 views. Rule SHA-256 ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416. Inputs: access.log (2699 bytes, none, modified 2026-12-07T02:53:33Z). Viewer identities are stored as keyed hashes only. Observed exposure from 2018-11-13T00:00:00Z to 2018-11-20T15:15:30Z.','root',NULL);
INSERT INTO event VALUES(4,1,4,1542880800,1542880800,'evidence',replace('Rule of scan version 1 (SHA-256 ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416):\nformat = combined\nfrom   = 2018-11-12T14:00:00Z\nuntil  = 2018-11-21T09:12:00Z\n[exposure "profile-page"]\nmethod  = GET\nrequest = ^/gp/profile/([A-Z0-9]{10,14})(\?|$)\nstatus  = 200,304\nviewer  = user|ip\nself    = user\nfields  = name,email\n','\n',char(10)),'root',NULL);
INSERT INTO event VALUES(5,1,5,1542880800,1542880800,'update','Record updated: approx. number of people, approx. number of records','root',NULL);
INSERT INTO event VALUES(6,1,6,1542880800,1542880800,'scan','Exposure scan version 2: 32 lines read (32 parsed in full), 32 matched, 0 malformed; 21 people, 42 records, 32 views. Rule SHA-256 ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416. Inputs: access.log (3221 bytes, none, modified 2026-12-07T02:53:33Z). Raw viewer identities were kept (--keep-viewers). Observed exposure from 2018-11-12T14:03:00Z to 2018-11-20T22:41:00Z.','root',NULL);
INSERT INTO event VALUES(7,1,7,1542880800,1542880800,'evidence',replace('Rule of scan version 2 (SHA-256 ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416):\nformat = combined\nfrom   = 2018-11-12T14:00:00Z\nuntil  = 2018-11-21T09:12:00Z\n[exposure "profile-page"]\nmethod  = GET\nrequest = ^/gp/profile/([A-Z0-9]{10,14})(\?|$)\nstatus  = 200,304\nviewer  = user|ip\nself    = user\nfields  = name,email\n','\n',char(10)),'root',NULL);
INSERT INTO event VALUES(8,1,8,1542880800,1542880800,'update','Record updated: approx. number of people, approx. number of records','root',NULL);
INSERT INTO event VALUES(9,2,1,1542791520,1542880800,'aware','Became aware: x','root',NULL);
INSERT INTO event VALUES(10,2,2,1542880800,1542880800,'created','Incident recorded as suspected breach: Closed','root',NULL);
INSERT INTO event VALUES(11,2,3,1542880800,1542880800,'scan','Exposure scan version 1: 8 lines read (8 parsed in full), 8 matched, 0 malformed; 5 people, 10 records, 8 views. Rule SHA-256 ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416. Inputs: access.log (810 bytes, none, modified 2026-12-07T02:53:33Z). Raw viewer identities were kept (--keep-viewers). Observed exposure from 2018-11-12T14:03:00Z to 2018-11-20T22:41:00Z.','root',NULL);
INSERT INTO event VALUES(12,2,4,1542880800,1542880800,'evidence',replace('Rule of scan version 1 (SHA-256 ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416):\nformat = combined\nfrom   = 2018-11-12T14:00:00Z\nuntil  = 2018-11-21T09:12:00Z\n[exposure "profile-page"]\nmethod  = GET\nrequest = ^/gp/profile/([A-Z0-9]{10,14})(\?|$)\nstatus  = 200,304\nviewer  = user|ip\nself    = user\nfields  = name,email\n','\n',char(10)),'root',NULL);
INSERT INTO event VALUES(13,2,5,1542880800,1542880800,'update','Record updated: approx. number of people, approx. number of records','root',NULL);
INSERT INTO event VALUES(14,2,6,1542880800,1542880800,'status','Status changed from suspected breach to not a breach','root',NULL);
INSERT INTO event VALUES(15,2,7,1542880800,1542880800,'status','Status changed from not a breach to closed','root',NULL);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL, actor TEXT NOT NULL, command TEXT NOT NULL,
  incident_ref TEXT, action TEXT NOT NULL, field TEXT, old_value TEXT, new_value TEXT
, prev_hash BLOB, hash BLOB) STRICT;
INSERT INTO audit VALUES(1,1542880800,'root','klartext init --org org.ini',NULL,'register.create','schema_version',NULL,'1',X'0000000000000000000000000000000000000000000000000000000000000000',X'01b5f2076c7065a3ee98d0d323313b8e50ef649d23049c2fe387ff1664cedd57');
INSERT INTO audit VALUES(2,1542880800,'root','klartext init --org org.ini',NULL,'register.migrate','schema_version','1','2',X'01b5f2076c7065a3ee98d0d323313b8e50ef649d23049c2fe387ff1664cedd57',X'8175de61971493de77e9ed658f39f78523e8d35f85d2f2481060ca2fdadcace5');
INSERT INTO audit VALUES(3,1542880800,'root','klartext init --org org.ini',NULL,'register.migrate','schema_version','2','3',X'8175de61971493de77e9ed658f39f78523e8d35f85d2f2481060ca2fdadcace5',X'57690a08aa6f7772049a072627e49e115ea446f0b6cb4a64e70c961206ff04d3');
INSERT INTO audit VALUES(4,1542880800,'root','klartext init --org org.ini',NULL,'register.migrate','schema_version','3','4',X'57690a08aa6f7772049a072627e49e115ea446f0b6cb4a64e70c961206ff04d3',X'fd4d20cad613a2494a5bb8dae0313034b56d3d2a28ffad84402ba628ff5ac75d');
INSERT INTO audit VALUES(5,1542880800,'root','klartext init --org org.ini',NULL,'register.migrate','schema_version','4','5',X'fd4d20cad613a2494a5bb8dae0313034b56d3d2a28ffad84402ba628ff5ac75d',X'691bc85e869ccc0f16e52c6e665ba2b90226d139cb4174deb29aca0fc155d125');
INSERT INTO audit VALUES(6,1542880800,'root','klartext init --org org.ini',NULL,'register.migrate','schema_version','5','6',X'691bc85e869ccc0f16e52c6e665ba2b90226d139cb4174deb29aca0fc155d125',X'2f6bffce45170e456a688dffa4084c070708ab47ec4f26ca3d8672b2c4ab18cb');
INSERT INTO audit VALUES(7,1542880800,'root','klartext init --org org.ini',NULL,'register.migrate','schema_version','6','7',X'2f6bffce45170e456a688dffa4084c070708ab47ec4f26ca3d8672b2c4ab18cb',X'0379e6c3b8ca3ac8a6bcd0b2014115c36fdd489295f119c90686ef1f55a24987');
INSERT INTO audit VALUES(8,1542880800,'root','klartext init --org org.ini',NULL,'register.migrate','schema_version','7','8',X'0379e6c3b8ca3ac8a6bcd0b2014115c36fdd489295f119c90686ef1f55a24987',X'13b9d09c0c6e94d00b6fe842699ab244e7a400408060f72c98dd223c16ee5a60');
INSERT INTO audit VALUES(9,1542880800,'root','klartext init --org org.ini',NULL,'register.migrate','schema_version','8','9',X'13b9d09c0c6e94d00b6fe842699ab244e7a400408060f72c98dd223c16ee5a60',X'd2f6b6e7abd3564610f86e0fe4e6660e26fe97ec8097d138388ef6e0defec397');
INSERT INTO audit VALUES(10,1542880800,'root','klartext init --org org.ini',NULL,'register.migrate','schema_version','9','10',X'd2f6b6e7abd3564610f86e0fe4e6660e26fe97ec8097d138388ef6e0defec397',X'459feba8245e6555249b653327292dad7905c1d575e8564c5633191208c2b9b6');
INSERT INTO audit VALUES(11,1542880800,'root','klartext init --org org.ini',NULL,'register.migrate','schema_version','10','11',X'459feba8245e6555249b653327292dad7905c1d575e8564c5633191208c2b9b6',X'a7929e48d942e007ef9d928cb872afb85d76f80093684f07484c056b0e46de6b');
INSERT INTO audit VALUES(12,1542880800,'root','klartext init --org org.ini',NULL,'register.migrate','schema_version','11','12',X'a7929e48d942e007ef9d928cb872afb85d76f80093684f07484c056b0e46de6b',X'bf8419da6ce700a631900f72054c16cbe86766d390746bdc7e1e133c756c653a');
INSERT INTO audit VALUES(13,1542880800,'root','klartext init --org org.ini',NULL,'org.set','organisation.name',NULL,'Beispiel Versand GmbH',X'bf8419da6ce700a631900f72054c16cbe86766d390746bdc7e1e133c756c653a',X'd56f7d8ca24249c0bde7a9e135eb292269584d0337d0eeefba9d7a666fa943ff');
INSERT INTO audit VALUES(14,1542880800,'root','klartext init --org org.ini',NULL,'org.set','organisation.address',NULL,'Musterstraße 12, 10115 Berlin, Germany',X'd56f7d8ca24249c0bde7a9e135eb292269584d0337d0eeefba9d7a666fa943ff',X'6689bf472009724904b3369d38a3ace4750aa17347fba94f734b265996c57d83');
INSERT INTO audit VALUES(15,1542880800,'root','klartext init --org org.ini',NULL,'org.set','organisation.timezone',NULL,'Europe/Berlin',X'6689bf472009724904b3369d38a3ace4750aa17347fba94f734b265996c57d83',X'990244f84037655efeab095fcfea745fcfc172701fe98e66411e22689e727738');
INSERT INTO audit VALUES(16,1542880800,'root','klartext init --org org.ini',NULL,'org.set','organisation.languages',NULL,'de,en',X'990244f84037655efeab095fcfea745fcfc172701fe98e66411e22689e727738',X'6028001ab40549079c4cc27c43c66f3a71df6c4840b96e3081208077abd25d27');
INSERT INTO audit VALUES(17,1542880800,'root','klartext init --org org.ini',NULL,'org.set','organisation.records_language',NULL,'en',X'6028001ab40549079c4cc27c43c66f3a71df6c4840b96e3081208077abd25d27',X'042533a3bc57cd6f2ac96ef650cbbb2a9f067d2a1ac5b080c5b5b433ce929ba8');
INSERT INTO audit VALUES(18,1542880800,'root','klartext init --org org.ini',NULL,'org.set','organisation.nis2',NULL,'no',X'042533a3bc57cd6f2ac96ef650cbbb2a9f067d2a1ac5b080c5b5b433ce929ba8',X'c245dffb77b1b6ae24f92e4c86a5d3b7f3b845c7292ff023c1b2b495d9fe489b');
INSERT INTO audit VALUES(19,1542880800,'root','klartext init --org org.ini',NULL,'org.set','dpo.name',NULL,'Dr. Jana Schreiber',X'c245dffb77b1b6ae24f92e4c86a5d3b7f3b845c7292ff023c1b2b495d9fe489b',X'ffb2ec9294ce52b15d18770ce98850ed279eab883bc4338344a10c07f96e9292');
INSERT INTO audit VALUES(20,1542880800,'root','klartext init --org org.ini',NULL,'org.set','dpo.email',NULL,'datenschutz@beispiel-versand.example',X'ffb2ec9294ce52b15d18770ce98850ed279eab883bc4338344a10c07f96e9292',X'5ceb36a25c319dd2a8253ddc3eae3ba3e3a1d05592fb711b99d9105ab0966b71');
INSERT INTO audit VALUES(21,1542880800,'root','klartext init --org org.ini',NULL,'org.set','dpo.phone',NULL,'+49 30 1234567-0',X'5ceb36a25c319dd2a8253ddc3eae3ba3e3a1d05592fb711b99d9105ab0966b71',X'fb68ec03ec5f37d1533eb79684c5b9669976c87fb06c840b482d10b6010ddf67');
INSERT INTO audit VALUES(22,1542880800,'root','klartext init --org org.ini',NULL,'org.set','service.phone',NULL,'+49 30 1234567-100',X'fb68ec03ec5f37d1533eb79684c5b9669976c87fb06c840b482d10b6010ddf67',X'df73731b30da8f5501550237e04b8adfd10b3782ba9c5d71690cfb7336fc581d');
INSERT INTO audit VALUES(23,1542880800,'root','klartext init --org org.ini',NULL,'org.set','service.hours',NULL,'Mon–Sat 8:00–20:00',X'df73731b30da8f5501550237e04b8adfd10b3782ba9c5d71690cfb7336fc581d',X'14f3a185cc4f4ddfa61242c11b1145e7e7979768a0254dce0d66c93f4366dd9f');
INSERT INTO audit VALUES(24,1542880800,'root','klartext init --org org.ini',NULL,'org.set','notices.from',NULL,'datenschutz@beispiel-versand.example',X'14f3a185cc4f4ddfa61242c11b1145e7e7979768a0254dce0d66c93f4366dd9f',X'c571393c7a471af9f69984d984e4a0500cbf479a8c4ce287a03d0ac3d02684e7');
INSERT INTO audit VALUES(25,1542880800,'root','klartext init --org org.ini',NULL,'org.set','notices.reply_to',NULL,'datenschutz@beispiel-versand.example',X'c571393c7a471af9f69984d984e4a0500cbf479a8c4ce287a03d0ac3d02684e7',X'e436bb090fe90b2e9eac18165fd57c12ec4fabb5f544bd5794b334fd9013e026');
INSERT INTO audit VALUES(26,1542880800,'root','klartext init --org org.ini',NULL,'org.set','authority.lead',NULL,'Berliner Beauftragte für Datenschutz und Informationsfreiheit',X'e436bb090fe90b2e9eac18165fd57c12ec4fabb5f544bd5794b334fd9013e026',X'ec88bb3aee9c3f00c3d30960fac1473cf869a768b6ba55ea24c7b4305a449846');
INSERT INTO audit VALUES(27,1542880800,'root','klartext init --org org.ini',NULL,'org.set','portal.url',NULL,'https://verify.beispiel-versand.example',X'ec88bb3aee9c3f00c3d30960fac1473cf869a768b6ba55ea24c7b4305a449846',X'c55262b4ae9b816d72ebf38a481f6908d73a70519d96c3fe2396c170b7f59217');
INSERT INTO audit VALUES(28,1542880800,'root','klartext init --org org.ini',NULL,'key.create','public_key',NULL,'klartext.pub',X'c55262b4ae9b816d72ebf38a481f6908d73a70519d96c3fe2396c170b7f59217',X'940d92918216d39ba428f6b8c292509e7324ead5f3d6e7cc52f817efc57f6d3f');
INSERT INTO audit VALUES(29,1542880800,'root','klartext incident new --title Profile pages --aware-at 2018-11-21T09:12:00Z --aware-how customer','2018-0001','incident.create','title',NULL,'Profile pages',X'940d92918216d39ba428f6b8c292509e7324ead5f3d6e7cc52f817efc57f6d3f',X'd0ac7732a70a85aa4e4bf30dd9648e368c40311fd50063ddcc38551e0c8ab4e6');
INSERT INTO audit VALUES(30,1542880800,'root','klartext incident new --title Profile pages --aware-at 2018-11-21T09:12:00Z --aware-how customer','2018-0001','incident.create','status',NULL,'suspected',X'd0ac7732a70a85aa4e4bf30dd9648e368c40311fd50063ddcc38551e0c8ab4e6',X'a533a3f80ead4854d0ce9f731cdd4f9aac875d5abd798ce026df66ac1f850a20');
INSERT INTO audit VALUES(31,1542880800,'root','klartext incident new --title Profile pages --aware-at 2018-11-21T09:12:00Z --aware-how customer','2018-0001','incident.create','aware_at',NULL,'2018-11-21T09:12:00Z',X'a533a3f80ead4854d0ce9f731cdd4f9aac875d5abd798ce026df66ac1f850a20',X'3d65cb1a0aef2f02b4ffc04d197211a01aa768e3007396def2cd8739600d33cb');
INSERT INTO audit VALUES(32,1542880800,'root','klartext incident new --title Profile pages --aware-at 2018-11-21T09:12:00Z --aware-how customer','2018-0001','incident.create','aware_how',NULL,'customer',X'3d65cb1a0aef2f02b4ffc04d197211a01aa768e3007396def2cd8739600d33cb',X'156852687a93697aa2e651e987995a38db57250c6d7f4ba14151e473e86c7ebd');
INSERT INTO audit VALUES(33,1542880800,'root','klartext incident new --title Profile pages --aware-at 2018-11-21T09:12:00Z --aware-how customer','2018-0001','timeline.add','event',NULL,'#1 aware: Became aware: customer',X'156852687a93697aa2e651e987995a38db57250c6d7f4ba14151e473e86c7ebd',X'81baa04c2e2c156f449afda7d52b4c250078f9f475e1da9b722f83a285d6f1c3');
INSERT INTO audit VALUES(34,1542880800,'root','klartext incident new --title Profile pages --aware-at 2018-11-21T09:12:00Z --aware-how customer','2018-0001','timeline.add','event',NULL,'#2 created: Incident recorded as suspected breach: Profile pages',X'81baa04c2e2c156f449afda7d52b4c250078f9f475e1da9b722f83a285d6f1c3',X'8a2e95bc6e962efcb91e2ba7c22de8bfaa4d6adfc5803a4ff194b4af07f4d77b');
INSERT INTO audit VALUES(35,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0001 access.log','2018-0001','timeline.add','event',NULL,'#3 scan: Exposure scan version 1: 27 lines read (27 parsed in full), 27 matched, 0 malformed; 20 people, 40 records, 27 views. Rule SHA-256 ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416. Inputs: access.log (2699 bytes, none, modified 2026-12-07T02:53:33Z). Viewer identities are stored as keyed hashes only. Observed exposure from 2018-11-13T00:00:00Z to 2018-11-20T15:15:30Z.',X'8a2e95bc6e962efcb91e2ba7c22de8bfaa4d6adfc5803a4ff194b4af07f4d77b',X'925c55542f9e6037b4813f97d07d9ae5c43b5a0d83b47a147763872392af40b4');
INSERT INTO audit VALUES(36,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0001 access.log','2018-0001','timeline.add','event',NULL,replace('#4 evidence: Rule of scan version 1 (SHA-256 ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416):\nformat = combined\nfrom   = 2018-11-12T14:00:00Z\nuntil  = 2018-11-21T09:12:00Z\n[exposure "profile-page"]\nmethod  = GET\nrequest = ^/gp/profile/([A-Z0-9]{10,14})(\?|$)\nstatus  = 200,304\nviewer  = user|ip\nself    = user\nfields  = name,email\n','\n',char(10)),X'925c55542f9e6037b4813f97d07d9ae5c43b5a0d83b47a147763872392af40b4',X'fef72e49b4268de89fd0a8cf40662fd2e5d78b0b130f3fffb3eeb4ab34a5dd74');
INSERT INTO audit VALUES(37,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0001 access.log','2018-0001','incident.update','approx_subjects',NULL,'20',X'fef72e49b4268de89fd0a8cf40662fd2e5d78b0b130f3fffb3eeb4ab34a5dd74',X'd7e48551e6a4314435ea2d8cdb4d75d7ab20a342f7b48c68fdc2892a222ca6ca');
INSERT INTO audit VALUES(38,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0001 access.log','2018-0001','incident.update','approx_records',NULL,'40',X'd7e48551e6a4314435ea2d8cdb4d75d7ab20a342f7b48c68fdc2892a222ca6ca',X'c1149ed665f9056f66bef27dad6fada7efcd6b7e103e97320c61ac2a261ec0f8');
INSERT INTO audit VALUES(39,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0001 access.log','2018-0001','timeline.add','event',NULL,'#5 update: Record updated: approx. number of people, approx. number of records',X'c1149ed665f9056f66bef27dad6fada7efcd6b7e103e97320c61ac2a261ec0f8',X'99cd7f75ca4f6dfd7fd17f93d30c4c864c87ddde25fabfc76c0cc8b30b8f0185');
INSERT INTO audit VALUES(40,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0001 access.log','2018-0001','scan.store','version',NULL,'1',X'99cd7f75ca4f6dfd7fd17f93d30c4c864c87ddde25fabfc76c0cc8b30b8f0185',X'328d1487046f74f5ae41329e9a4f953c49d761b2b3165d32c54e6e520d5842aa');
INSERT INTO audit VALUES(41,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0001 --keep-viewers access.log','2018-0001','timeline.add','event',NULL,'#6 scan: Exposure scan version 2: 32 lines read (32 parsed in full), 32 matched, 0 malformed; 21 people, 42 records, 32 views. Rule SHA-256 ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416. Inputs: access.log (3221 bytes, none, modified 2026-12-07T02:53:33Z). Raw viewer identities were kept (--keep-viewers). Observed exposure from 2018-11-12T14:03:00Z to 2018-11-20T22:41:00Z.',X'328d1487046f74f5ae41329e9a4f953c49d761b2b3165d32c54e6e520d5842aa',X'337fd2fe5c69d53024124a410c7b9f4a8ed056351033674f2235ec65a6bb072c');
INSERT INTO audit VALUES(42,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0001 --keep-viewers access.log','2018-0001','timeline.add','event',NULL,replace('#7 evidence: Rule of scan version 2 (SHA-256 ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416):\nformat = combined\nfrom   = 2018-11-12T14:00:00Z\nuntil  = 2018-11-21T09:12:00Z\n[exposure "profile-page"]\nmethod  = GET\nrequest = ^/gp/profile/([A-Z0-9]{10,14})(\?|$)\nstatus  = 200,304\nviewer  = user|ip\nself    = user\nfields  = name,email\n','\n',char(10)),X'337fd2fe5c69d53024124a410c7b9f4a8ed056351033674f2235ec65a6bb072c',X'6254c00550650df2c20faf2c2f5bb2d2ae841594c65e2fec49a43993b47caa1a');
INSERT INTO audit VALUES(43,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0001 --keep-viewers access.log','2018-0001','incident.update','approx_subjects','20','21',X'6254c00550650df2c20faf2c2f5bb2d2ae841594c65e2fec49a43993b47caa1a',X'8cd4dee4d5dc69c772474a9411700c4f779fb44bbac7f48f0c48eb5392e8fe80');
INSERT INTO audit VALUES(44,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0001 --keep-viewers access.log','2018-0001','incident.update','approx_records','40','42',X'8cd4dee4d5dc69c772474a9411700c4f779fb44bbac7f48f0c48eb5392e8fe80',X'46ecfc66c59718fa5f77397faf53fd567d20cc6d7cd154213492335ffa48b2e5');
INSERT INTO audit VALUES(45,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0001 --keep-viewers access.log','2018-0001','timeline.add','event',NULL,'#8 update: Record updated: approx. number of people, approx. number of records',X'46ecfc66c59718fa5f77397faf53fd567d20cc6d7cd154213492335ffa48b2e5',X'93dc47f1be8ab4e2e44e269c41e43492918522cee4365c4cf951b9e8083ae3ba');
INSERT INTO audit VALUES(46,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0001 --keep-viewers access.log','2018-0001','scan.store','version',NULL,'2',X'93dc47f1be8ab4e2e44e269c41e43492918522cee4365c4cf951b9e8083ae3ba',X'87ecd66fa213c6c84eae3616f55364f8eab2083e83cde13c4ada80c3b91d1de0');
INSERT INTO audit VALUES(47,1542880800,'root','klartext incident new --title Closed --aware-at 2018-11-21T09:12:00Z --aware-how x','2018-0002','incident.create','title',NULL,'Closed',X'87ecd66fa213c6c84eae3616f55364f8eab2083e83cde13c4ada80c3b91d1de0',X'9dc419547dc935213afc15bd8306a10c8919cb45f73b8f8e2baa1881e626358a');
INSERT INTO audit VALUES(48,1542880800,'root','klartext incident new --title Closed --aware-at 2018-11-21T09:12:00Z --aware-how x','2018-0002','incident.create','status',NULL,'suspected',X'9dc419547dc935213afc15bd8306a10c8919cb45f73b8f8e2baa1881e626358a',X'811cdfa94cee0ce2d4e8fe6b459295ecc9e85d84d80ab77658908f76b6a3d6f8');
INSERT INTO audit VALUES(49,1542880800,'root','klartext incident new --title Closed --aware-at 2018-11-21T09:12:00Z --aware-how x','2018-0002','incident.create','aware_at',NULL,'2018-11-21T09:12:00Z',X'811cdfa94cee0ce2d4e8fe6b459295ecc9e85d84d80ab77658908f76b6a3d6f8',X'ee0babcad227335801737c17335db74b4d9a46b07742c99a8eae8fd5665176a6');
INSERT INTO audit VALUES(50,1542880800,'root','klartext incident new --title Closed --aware-at 2018-11-21T09:12:00Z --aware-how x','2018-0002','incident.create','aware_how',NULL,'x',X'ee0babcad227335801737c17335db74b4d9a46b07742c99a8eae8fd5665176a6',X'f8bd461bbad9f1ea7c47647cb887c8d2cda5cca4e779c26e05fd4f259a85244b');
INSERT INTO audit VALUES(51,1542880800,'root','klartext incident new --title Closed --aware-at 2018-11-21T09:12:00Z --aware-how x','2018-0002','timeline.add','event',NULL,'#1 aware: Became aware: x',X'f8bd461bbad9f1ea7c47647cb887c8d2cda5cca4e779c26e05fd4f259a85244b',X'65a7d05b46aa7ea3e853740a76bacdd06b0ce1ea0051e5531f1e66eef465966d');
INSERT INTO audit VALUES(52,1542880800,'root','klartext incident new --title Closed --aware-at 2018-11-21T09:12:00Z --aware-how x','2018-0002','timeline.add','event',NULL,'#2 created: Incident recorded as suspected breach: Closed',X'65a7d05b46aa7ea3e853740a76bacdd06b0ce1ea0051e5531f1e66eef465966d',X'7b3fb1653fa2d2d3db3d115963232fbd99b7b1910365f32afb584a030349477b');
INSERT INTO audit VALUES(53,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0002 --keep-viewers access.log','2018-0002','timeline.add','event',NULL,'#3 scan: Exposure scan version 1: 8 lines read (8 parsed in full), 8 matched, 0 malformed; 5 people, 10 records, 8 views. Rule SHA-256 ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416. Inputs: access.log (810 bytes, none, modified 2026-12-07T02:53:33Z). Raw viewer identities were kept (--keep-viewers). Observed exposure from 2018-11-12T14:03:00Z to 2018-11-20T22:41:00Z.',X'7b3fb1653fa2d2d3db3d115963232fbd99b7b1910365f32afb584a030349477b',X'9c37bf001bec55836f6067c26c152dcdec8efdf0f2a2158b6a9dddf6f542a2c9');
INSERT INTO audit VALUES(54,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0002 --keep-viewers access.log','2018-0002','timeline.add','event',NULL,replace('#4 evidence: Rule of scan version 1 (SHA-256 ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416):\nformat = combined\nfrom   = 2018-11-12T14:00:00Z\nuntil  = 2018-11-21T09:12:00Z\n[exposure "profile-page"]\nmethod  = GET\nrequest = ^/gp/profile/([A-Z0-9]{10,14})(\?|$)\nstatus  = 200,304\nviewer  = user|ip\nself    = user\nfields  = name,email\n','\n',char(10)),X'9c37bf001bec55836f6067c26c152dcdec8efdf0f2a2158b6a9dddf6f542a2c9',X'18d8fab3dd64bfc9afea6108f5accecf5a0c0b4fcfd0fb4eb356ab874d1511fd');
INSERT INTO audit VALUES(55,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0002 --keep-viewers access.log','2018-0002','incident.update','approx_subjects',NULL,'5',X'18d8fab3dd64bfc9afea6108f5accecf5a0c0b4fcfd0fb4eb356ab874d1511fd',X'd8bcd4a457fa69b6a7f4920688f209b5af5588086eb1c9946505b9c00aae4167');
INSERT INTO audit VALUES(56,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0002 --keep-viewers access.log','2018-0002','incident.update','approx_records',NULL,'10',X'd8bcd4a457fa69b6a7f4920688f209b5af5588086eb1c9946505b9c00aae4167',X'85bb2c2a5274f4e490fc818c766ee483fbcef089dc330ed7a190284b166b90eb');
INSERT INTO audit VALUES(57,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0002 --keep-viewers access.log','2018-0002','timeline.add','event',NULL,'#5 update: Record updated: approx. number of people, approx. number of records',X'85bb2c2a5274f4e490fc818c766ee483fbcef089dc330ed7a190284b166b90eb',X'9d108b8e9a71702d669d2cfa7922a3d6cbc1129964560f718d9b0e37e9daa817');
INSERT INTO audit VALUES(58,1542880800,'root','klartext scan --rule rule.conf --incident 2018-0002 --keep-viewers access.log','2018-0002','scan.store','version',NULL,'1',X'9d108b8e9a71702d669d2cfa7922a3d6cbc1129964560f718d9b0e37e9daa817',X'16480165cdc0dfa5869feab7d6fc49065524290bbf44dc1aac5ad68934745906');
INSERT INTO audit VALUES(59,1542880800,'root','klartext incident update 2018-0002 --status not-a-breach','2018-0002','incident.update','status','suspected','not-a-breach',X'16480165cdc0dfa5869feab7d6fc49065524290bbf44dc1aac5ad68934745906',X'a292acfb3894f1777238a406dfadc64a2031e0326b74dc05ae0302bb6e4a086d');
INSERT INTO audit VALUES(60,1542880800,'root','klartext incident update 2018-0002 --status not-a-breach','2018-0002','timeline.add','event',NULL,'#6 status: Status changed from suspected breach to not a breach',X'a292acfb3894f1777238a406dfadc64a2031e0326b74dc05ae0302bb6e4a086d',X'847ca790da33218093e9bc6a69e1165eeced06caf89b1d4fcc420988b8b6061a');
INSERT INTO audit VALUES(61,1542880800,'root','klartext incident update 2018-0002 --status closed','2018-0002','incident.update','status','not-a-breach','closed',X'847ca790da33218093e9bc6a69e1165eeced06caf89b1d4fcc420988b8b6061a',X'd46c0d6e490d84f599212ae7c44447de431653f1664df75d10d31df71332b29f');
INSERT INTO audit VALUES(62,1542880800,'root','klartext incident update 2018-0002 --status closed','2018-0002','timeline.add','event',NULL,'#7 status: Status changed from not a breach to closed',X'd46c0d6e490d84f599212ae7c44447de431653f1664df75d10d31df71332b29f',X'626d039929e19301e60350a133bb296bbf78b0e80d6f19be31d6c7aea07f1e29');
CREATE TABLE scan (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  version INTEGER NOT NULL,
  current INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL, actor TEXT NOT NULL,
  rule_text TEXT NOT NULL, rule_sha256 TEXT NOT NULL,
  keep_viewers INTEGER NOT NULL, check_all INTEGER NOT NULL,
  lines INTEGER NOT NULL, lines_parsed INTEGER NOT NULL, lines_matched INTEGER NOT NULL,
  malformed INTEGER NOT NULL, odd_requests INTEGER NOT NULL, out_of_window INTEGER NOT NULL,
  self_views INTEGER NOT NULL, files_failed INTEGER NOT NULL,
  people INTEGER NOT NULL, records INTEGER NOT NULL, views INTEGER NOT NULL,
  viewers INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  first_seen INTEGER, last_seen INTEGER,
  UNIQUE (incident_id, version)
) STRICT;
INSERT INTO scan VALUES(1,1,1,0,1542880800,'root',replace('format = combined\nfrom   = 2018-11-12T14:00:00Z\nuntil  = 2018-11-21T09:12:00Z\n[exposure "profile-page"]\nmethod  = GET\nrequest = ^/gp/profile/([A-Z0-9]{10,14})(\?|$)\nstatus  = 200,304\nviewer  = user|ip\nself    = user\nfields  = name,email\n','\n',char(10)),'ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416',0,0,27,27,27,0,0,0,0,0,20,40,27,27,2699,1542067200,1542726930);
INSERT INTO scan VALUES(2,1,2,1,1542880800,'root',replace('format = combined\nfrom   = 2018-11-12T14:00:00Z\nuntil  = 2018-11-21T09:12:00Z\n[exposure "profile-page"]\nmethod  = GET\nrequest = ^/gp/profile/([A-Z0-9]{10,14})(\?|$)\nstatus  = 200,304\nviewer  = user|ip\nself    = user\nfields  = name,email\n','\n',char(10)),'ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416',1,0,32,32,32,0,0,0,0,0,21,42,32,31,3221,1542031380,1542753660);
INSERT INTO scan VALUES(3,2,1,1,1542880800,'root',replace('format = combined\nfrom   = 2018-11-12T14:00:00Z\nuntil  = 2018-11-21T09:12:00Z\n[exposure "profile-page"]\nmethod  = GET\nrequest = ^/gp/profile/([A-Z0-9]{10,14})(\?|$)\nstatus  = 200,304\nviewer  = user|ip\nself    = user\nfields  = name,email\n','\n',char(10)),'ba8194ea12d0fcdc903ef89261ebfb0b17172e45853db6a2d1c5ba920d180416',1,0,8,8,8,0,0,0,0,0,5,10,8,7,810,1542031380,1542753660);
CREATE TABLE scan_input (
  scan_id INTEGER NOT NULL REFERENCES scan(id), idx INTEGER NOT NULL,
  name TEXT NOT NULL, compression TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,
  sha256 TEXT, lines INTEGER NOT NULL, malformed INTEGER NOT NULL, error TEXT,
  PRIMARY KEY (scan_id, idx)
) STRICT;
INSERT INTO scan_input VALUES(1,0,'access.log','none',2699,1796612013,NULL,27,0,NULL);
INSERT INTO scan_input VALUES(2,0,'access.log','none',3221,1796612013,NULL,32,0,NULL);
INSERT INTO scan_input VALUES(3,0,'access.log','none',810,1796612013,NULL,8,0,NULL);
CREATE TABLE scan_sample (
  scan_id INTEGER NOT NULL REFERENCES scan(id), seq INTEGER NOT NULL,
  file TEXT NOT NULL, line INTEGER NOT NULL, reason TEXT NOT NULL,
  PRIMARY KEY (scan_id, seq)
) STRICT;
CREATE TABLE scan_hour (
  scan_id INTEGER NOT NULL REFERENCES scan(id), hour INTEGER NOT NULL, views INTEGER NOT NULL,
  PRIMARY KEY (scan_id, hour)
) STRICT;
INSERT INTO scan_hour VALUES(1,1542067200,2);
INSERT INTO scan_hour VALUES(1,1542096000,1);
INSERT INTO scan_hour VALUES(1,1542124800,1);
INSERT INTO scan_hour VALUES(1,1542157200,1);
INSERT INTO scan_hour VALUES(1,1542186000,2);
INSERT INTO scan_hour VALUES(1,1542214800,1);
INSERT INTO scan_hour VALUES(1,1542247200,1);
INSERT INTO scan_hour VALUES(1,1542276000,1);
INSERT INTO scan_hour VALUES(1,1542304800,2);
INSERT INTO scan_hour VALUES(1,1542337200,2);
INSERT INTO scan_hour VALUES(1,1542366000,1);
INSERT INTO scan_hour VALUES(1,1542394800,1);
INSERT INTO scan_hour VALUES(1,1542427200,1);
INSERT INTO scan_hour VALUES(1,1542456000,2);
INSERT INTO scan_hour VALUES(1,1542517200,1);
INSERT INTO scan_hour VALUES(1,1542546000,1);
INSERT INTO scan_hour VALUES(1,1542607200,2);
INSERT INTO scan_hour VALUES(1,1542636000,1);
INSERT INTO scan_hour VALUES(1,1542697200,1);
INSERT INTO scan_hour VALUES(1,1542726000,2);
INSERT INTO scan_hour VALUES(2,1542031200,2);
INSERT INTO scan_hour VALUES(2,1542067200,2);
INSERT INTO scan_hour VALUES(2,1542096000,1);
INSERT INTO scan_hour VALUES(2,1542124800,1);
INSERT INTO scan_hour VALUES(2,1542157200,1);
INSERT INTO scan_hour VALUES(2,1542186000,2);
INSERT INTO scan_hour VALUES(2,1542189600,1);
INSERT INTO scan_hour VALUES(2,1542214800,1);
INSERT INTO scan_hour VALUES(2,1542247200,1);
INSERT INTO scan_hour VALUES(2,1542276000,2);
INSERT INTO scan_hour VALUES(2,1542304800,2);
INSERT INTO scan_hour VALUES(2,1542337200,2);
INSERT INTO scan_hour VALUES(2,1542366000,1);
INSERT INTO scan_hour VALUES(2,1542394800,1);
INSERT INTO scan_hour VALUES(2,1542427200,1);
INSERT INTO scan_hour VALUES(2,1542456000,2);
INSERT INTO scan_hour VALUES(2,1542517200,1);
INSERT INTO scan_hour VALUES(2,1542546000,1);
INSERT INTO scan_hour VALUES(2,1542607200,2);
INSERT INTO scan_hour VALUES(2,1542636000,1);
INSERT INTO scan_hour VALUES(2,1542697200,1);
INSERT INTO scan_hour VALUES(2,1542726000,2);
INSERT INTO scan_hour VALUES(2,1542751200,1);
INSERT INTO scan_hour VALUES(3,1542031200,2);
INSERT INTO scan_hour VALUES(3,1542189600,1);
INSERT INTO scan_hour VALUES(3,1542276000,1);
INSERT INTO scan_hour VALUES(3,1542355200,1);
INSERT INTO scan_hour VALUES(3,1542358800,1);
INSERT INTO scan_hour VALUES(3,1542495600,1);
INSERT INTO scan_hour VALUES(3,1542751200,1);
CREATE TABLE subject_import (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  version INTEGER NOT NULL,
  current INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL, actor TEXT NOT NULL,
  file_name TEXT NOT NULL, file_sha256 TEXT NOT NULL, nrows INTEGER NOT NULL,
  scan_id INTEGER REFERENCES scan(id),
  exposed INTEGER NOT NULL, reachable INTEGER NOT NULL, unknown INTEGER NOT NULL,
  UNIQUE (incident_id, version)
) STRICT;
CREATE TABLE subject (
  import_id INTEGER NOT NULL REFERENCES subject_import(id),
  subject TEXT NOT NULL, line INTEGER NOT NULL,
  name TEXT NOT NULL, email TEXT NOT NULL, language TEXT NOT NULL, timezone TEXT NOT NULL,
  salutation TEXT, street TEXT, postcode TEXT, city TEXT, country TEXT,
  PRIMARY KEY (import_id, subject)
) STRICT;
CREATE TABLE assessment (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  seq INTEGER NOT NULL,
  created_at INTEGER NOT NULL, actor TEXT NOT NULL,
  scan_id INTEGER REFERENCES scan(id),
  config TEXT NOT NULL,
  dpc INTEGER NOT NULL, dpc_base INTEGER NOT NULL, ei_q INTEGER NOT NULL, cb_q INTEGER NOT NULL,
  se_q INTEGER NOT NULL, band INTEGER NOT NULL, score_level INTEGER NOT NULL, level INTEGER NOT NULL,
  notify_authority INTEGER NOT NULL, people INTEGER NOT NULL, also_public INTEGER NOT NULL,
  voluntary INTEGER NOT NULL,
  UNIQUE (incident_id, seq)
) STRICT;
CREATE TABLE assessment_input (
  assessment_id INTEGER NOT NULL REFERENCES assessment(id),
  name TEXT NOT NULL, value INTEGER NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL,
  PRIMARY KEY (assessment_id, name)
) STRICT;
CREATE TABLE assessment_reason (
  assessment_id INTEGER NOT NULL REFERENCES assessment(id),
  idx INTEGER NOT NULL, rule TEXT NOT NULL, text_en TEXT NOT NULL, text_de TEXT NOT NULL,
  PRIMARY KEY (assessment_id, idx)
) STRICT;
CREATE TABLE decision (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  assessment_id INTEGER NOT NULL REFERENCES assessment(id),
  seq INTEGER NOT NULL,
  created_at INTEGER NOT NULL, actor TEXT NOT NULL, decided_by TEXT NOT NULL,
  notify_authority INTEGER NOT NULL, people INTEGER NOT NULL,
  differs INTEGER NOT NULL, difference TEXT NOT NULL, reason TEXT,
  UNIQUE (incident_id, seq)
) STRICT;
CREATE TABLE filing (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  seq INTEGER NOT NULL,
  follow_up INTEGER NOT NULL,
  filed_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL, actor TEXT NOT NULL,
  case_ref TEXT NOT NULL, lang TEXT NOT NULL, format TEXT NOT NULL,
  sha256 TEXT NOT NULL, bytes INTEGER NOT NULL,
  assessment_id INTEGER REFERENCES assessment(id), decision_id INTEGER REFERENCES decision(id),
  scan_id INTEGER REFERENCES scan(id),
  UNIQUE (incident_id, seq)
) STRICT;
CREATE TABLE tlog_entry (
  idx INTEGER PRIMARY KEY CHECK (idx >= 0),
  kind TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  entry BLOB NOT NULL,
  leaf_hash BLOB NOT NULL,
  salt BLOB,
  ref TEXT
) STRICT;
CREATE TABLE tlog_checkpoint (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL, note TEXT NOT NULL, created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE incident_statement (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  lang TEXT NOT NULL, revision INTEGER NOT NULL,
  title TEXT NOT NULL, statement TEXT NOT NULL, facts TEXT NOT NULL,
  published_at INTEGER NOT NULL, actor TEXT NOT NULL,
  tlog_idx INTEGER NOT NULL UNIQUE REFERENCES tlog_entry(idx),
  UNIQUE (incident_id, lang, revision)
) STRICT;
CREATE TABLE notice_approval (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  seq INTEGER NOT NULL,
  created_at INTEGER NOT NULL, actor TEXT NOT NULL, approved_by TEXT NOT NULL,
  content_sha256 TEXT NOT NULL, model_version INTEGER NOT NULL,
  templates TEXT NOT NULL, manifest TEXT NOT NULL,
  UNIQUE (incident_id, seq)
) STRICT;
CREATE TABLE notice (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  seq INTEGER NOT NULL,
  notice_id TEXT NOT NULL UNIQUE,
  subject TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  approval_id INTEGER NOT NULL REFERENCES notice_approval(id),
  scan_id INTEGER NOT NULL REFERENCES scan(id),
  import_id INTEGER NOT NULL REFERENCES subject_import(id),
  lang TEXT NOT NULL, rcpt TEXT NOT NULL, rcpt_masked TEXT NOT NULL,
  code_hash BLOB NOT NULL UNIQUE,
  message_id TEXT NOT NULL,
  text_sha256 TEXT NOT NULL,
  message BLOB NOT NULL, message_len INTEGER NOT NULL, message_codec TEXT NOT NULL
, dict_id INTEGER REFERENCES notice_dict(id), kind TEXT NOT NULL DEFAULT 'first', follows INTEGER REFERENCES notice(id)) STRICT;
CREATE TABLE outbox (
  notice INTEGER PRIMARY KEY REFERENCES notice(id),
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  state TEXT NOT NULL CHECK (state IN ('queued','sending','sent','failed','written','cancelled','superseded')),
  attempts INTEGER NOT NULL DEFAULT 0,
  permanent INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  sent_at INTEGER, reply TEXT
, claimed_by TEXT) STRICT;
CREATE TABLE notice_event (
  id INTEGER PRIMARY KEY,
  notice INTEGER NOT NULL REFERENCES notice(id),
  at INTEGER NOT NULL, state TEXT NOT NULL, attempt INTEGER NOT NULL, reply TEXT
) STRICT;
CREATE TABLE agent (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash BLOB NOT NULL UNIQUE,
  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,
  removed_at INTEGER, removed_by TEXT
) STRICT;
CREATE TABLE notice_dict (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  created_at INTEGER NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  content BLOB NOT NULL
) STRICT;
CREATE TABLE purge (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  at INTEGER NOT NULL, actor TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('contact_data','notices','exposures','viewer_identities')),
  period TEXT NOT NULL, due_at INTEGER NOT NULL, count INTEGER NOT NULL
) STRICT;
CREATE TABLE purge_scan (
  scan_id INTEGER PRIMARY KEY REFERENCES scan(id),
  stored_at INTEGER NOT NULL,
  fields TEXT NOT NULL, viewers INTEGER NOT NULL, anonymous_viewers INTEGER NOT NULL,
  import_id INTEGER REFERENCES subject_import(id),
  exposed INTEGER NOT NULL, reachable INTEGER NOT NULL, unreachable INTEGER NOT NULL
) STRICT;
CREATE TABLE purge_field (
  scan_id INTEGER NOT NULL REFERENCES scan(id), field TEXT NOT NULL,
  people INTEGER NOT NULL, views INTEGER NOT NULL,
  PRIMARY KEY (scan_id, field)
) STRICT;
CREATE TABLE purge_word (
  incident_id INTEGER NOT NULL REFERENCES incident(id), word TEXT NOT NULL,
  PRIMARY KEY (incident_id, word)
) STRICT;
CREATE TABLE notice_bounce (
  id INTEGER PRIMARY KEY,
  notice INTEGER NOT NULL REFERENCES notice(id),
  incident_id INTEGER NOT NULL REFERENCES incident(id),
  at INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('failed','delayed')),
  status TEXT NOT NULL, action TEXT NOT NULL, diagnostic TEXT NOT NULL, source TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  UNIQUE (notice, sha256)
) STRICT;
CREATE TABLE IF NOT EXISTS "exposure" (
  scan_id INTEGER NOT NULL REFERENCES scan(id),
  subject TEXT NOT NULL,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  views INTEGER NOT NULL, viewers INTEGER NOT NULL,
  signed_in_viewers INTEGER NOT NULL, anonymous_viewers INTEGER NOT NULL,
  pages TEXT NOT NULL, fields TEXT NOT NULL,
  PRIMARY KEY (scan_id, subject)
) STRICT, WITHOUT ROWID;
INSERT INTO exposure VALUES(1,'C0000000001',1542067200,1542067230,2,2,1,1,'/gp/profile/C0000000001','email;name');
INSERT INTO exposure VALUES(1,'C0000000002',1542157260,1542157260,1,1,0,1,'/gp/profile/C0000000002','email;name');
INSERT INTO exposure VALUES(1,'C0000000003',1542247320,1542247320,1,1,0,1,'/gp/profile/C0000000003','email;name');
INSERT INTO exposure VALUES(1,'C0000000004',1542337380,1542337410,2,2,1,1,'/gp/profile/C0000000004','email;name');
INSERT INTO exposure VALUES(1,'C0000000005',1542427440,1542427440,1,1,0,1,'/gp/profile/C0000000005','email;name');
INSERT INTO exposure VALUES(1,'C0000000006',1542517500,1542517500,1,1,0,1,'/gp/profile/C0000000006','email;name');
INSERT INTO exposure VALUES(1,'C0000000007',1542607560,1542607590,2,2,1,1,'/gp/profile/C0000000007','email;name');
INSERT INTO exposure VALUES(1,'C0000000008',1542697620,1542697620,1,1,0,1,'/gp/profile/C0000000008','email;name');
INSERT INTO exposure VALUES(1,'C0000000009',1542096480,1542096480,1,1,0,1,'/gp/profile/C0000000009','email;name');
INSERT INTO exposure VALUES(1,'C0000000010',1542186540,1542186570,2,2,1,1,'/gp/profile/C0000000010','email;name');
INSERT INTO exposure VALUES(1,'C0000000011',1542276600,1542276600,1,1,0,1,'/gp/profile/C0000000011','email;name');
INSERT INTO exposure VALUES(1,'C0000000012',1542366660,1542366660,1,1,0,1,'/gp/profile/C0000000012','email;name');
INSERT INTO exposure VALUES(1,'C0000000013',1542456720,1542456750,2,2,1,1,'/gp/profile/C0000000013','email;name');
INSERT INTO exposure VALUES(1,'C0000000014',1542546780,1542546780,1,1,0,1,'/gp/profile/C0000000014','email;name');
INSERT INTO exposure VALUES(1,'C0000000015',1542636840,1542636840,1,1,0,1,'/gp/profile/C0000000015','email;name');
INSERT INTO exposure VALUES(1,'C0000000016',1542726900,1542726930,2,2,1,1,'/gp/profile/C0000000016','email;name');
INSERT INTO exposure VALUES(1,'C0000000017',1542125760,1542125760,1,1,0,1,'/gp/profile/C0000000017','email;name');
INSERT INTO exposure VALUES(1,'C0000000018',1542215820,1542215820,1,1,0,1,'/gp/profile/C0000000018','email;name');
INSERT INTO exposure VALUES(1,'C0000000019',1542305880,1542305910,2,2,1,1,'/gp/profile/C0000000019','email;name');
INSERT INTO exposure VALUES(1,'C0000000020',1542395940,1542395940,1,1,0,1,'/gp/profile/C0000000020','email;name');
INSERT INTO exposure VALUES(2,'C0000000001',1542067200,1542067230,2,2,1,1,'/gp/profile/C0000000001','email;name');
INSERT INTO exposure VALUES(2,'C0000000002',1542157260,1542276000,2,2,1,1,'/gp/profile/C0000000002','email;name');
INSERT INTO exposure VALUES(2,'C0000000003',1542189600,1542247320,2,2,1,1,'/gp/profile/C0000000003','email;name');
INSERT INTO exposure VALUES(2,'C0000000004',1542337380,1542337410,2,2,1,1,'/gp/profile/C0000000004','email;name');
INSERT INTO exposure VALUES(2,'C0000000005',1542427440,1542427440,1,1,0,1,'/gp/profile/C0000000005','email;name');
INSERT INTO exposure VALUES(2,'C0000000006',1542517500,1542517500,1,1,0,1,'/gp/profile/C0000000006','email;name');
INSERT INTO exposure VALUES(2,'C0000000007',1542607560,1542607590,2,2,1,1,'/gp/profile/C0000000007','email;name');
INSERT INTO exposure VALUES(2,'C0000000008',1542697620,1542697620,1,1,0,1,'/gp/profile/C0000000008','email;name');
INSERT INTO exposure VALUES(2,'C0000000009',1542096480,1542096480,1,1,0,1,'/gp/profile/C0000000009','email;name');
INSERT INTO exposure VALUES(2,'C0000000010',1542186540,1542186570,2,2,1,1,'/gp/profile/C0000000010','email;name');
INSERT INTO exposure VALUES(2,'C0000000011',1542276600,1542276600,1,1,0,1,'/gp/profile/C0000000011','email;name');
INSERT INTO exposure VALUES(2,'C0000000012',1542366660,1542366660,1,1,0,1,'/gp/profile/C0000000012','email;name');
INSERT INTO exposure VALUES(2,'C0000000013',1542456720,1542456750,2,2,1,1,'/gp/profile/C0000000013','email;name');
INSERT INTO exposure VALUES(2,'C0000000014',1542546780,1542546780,1,1,0,1,'/gp/profile/C0000000014','email;name');
INSERT INTO exposure VALUES(2,'C0000000015',1542636840,1542636840,1,1,0,1,'/gp/profile/C0000000015','email;name');
INSERT INTO exposure VALUES(2,'C0000000016',1542726900,1542726930,2,2,1,1,'/gp/profile/C0000000016','email;name');
INSERT INTO exposure VALUES(2,'C0000000017',1542125760,1542125760,1,1,0,1,'/gp/profile/C0000000017','email;name');
INSERT INTO exposure VALUES(2,'C0000000018',1542215820,1542215820,1,1,0,1,'/gp/profile/C0000000018','email;name');
INSERT INTO exposure VALUES(2,'C0000000019',1542305880,1542305910,2,2,1,1,'/gp/profile/C0000000019','email;name');
INSERT INTO exposure VALUES(2,'C0000000020',1542395940,1542395940,1,1,0,1,'/gp/profile/C0000000020','email;name');
INSERT INTO exposure VALUES(2,'C0012345678',1542031380,1542753660,3,2,1,1,'/gp/profile/C0012345678','email;name');
INSERT INTO exposure VALUES(3,'C0012345678',1542031380,1542753660,3,2,1,1,'/gp/profile/C0012345678','email;name');
INSERT INTO exposure VALUES(3,'C0055555555',1542276000,1542276000,1,1,0,1,'/gp/profile/C0055555555','email;name');
INSERT INTO exposure VALUES(3,'C0066666666',1542355200,1542360600,2,2,1,1,'/gp/profile/C0066666666','email;name');
INSERT INTO exposure VALUES(3,'C0077777777',1542499140,1542499140,1,1,0,1,'/gp/profile/C0077777777','email;name');
INSERT INTO exposure VALUES(3,'C0099999999',1542189600,1542189600,1,1,1,0,'/gp/profile/C0099999999','email;name');
CREATE TABLE IF NOT EXISTS "exposure_viewer" (
  scan_id INTEGER NOT NULL REFERENCES scan(id),
  subject TEXT NOT NULL,
  viewer BLOB NOT NULL,
  kind TEXT NOT NULL,
  identity TEXT,
  views INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  PRIMARY KEY (scan_id, subject, viewer)
) STRICT, WITHOUT ROWID;
INSERT INTO exposure_viewer VALUES(1,'C0000000001',X'32814a397778d5c0e6e9f094121f8bcb','anonymous',NULL,1,1542067200,1542067200);
INSERT INTO exposure_viewer VALUES(1,'C0000000001',X'aa6000b0b51572a5e7dbde489a9489d3','signed-in',NULL,1,1542067230,1542067230);
INSERT INTO exposure_viewer VALUES(1,'C0000000002',X'39e047265ea736ef7d133f6a4e120d2c','anonymous',NULL,1,1542157260,1542157260);
INSERT INTO exposure_viewer VALUES(1,'C0000000003',X'39cb60e972630fe66e208acf6f595641','anonymous',NULL,1,1542247320,1542247320);
INSERT INTO exposure_viewer VALUES(1,'C0000000004',X'bb80045713899daa1349a6c6c39b1083','signed-in',NULL,1,1542337410,1542337410);
INSERT INTO exposure_viewer VALUES(1,'C0000000004',X'cf8449b9f4f09cc8e7d200aeb7cd50fa','anonymous',NULL,1,1542337380,1542337380);
INSERT INTO exposure_viewer VALUES(1,'C0000000005',X'06676d7fb2adeb28f261ee1468a1efcd','anonymous',NULL,1,1542427440,1542427440);
INSERT INTO exposure_viewer VALUES(1,'C0000000006',X'5a0f7d47222ce4e9326cc28a6fce2391','anonymous',NULL,1,1542517500,1542517500);
INSERT INTO exposure_viewer VALUES(1,'C0000000007',X'618c5376b9adbf5f3d91e1234d83fa7c','anonymous',NULL,1,1542607560,1542607560);
INSERT INTO exposure_viewer VALUES(1,'C0000000007',X'c34d6234dc09cff8c7999af2eb56cab1','signed-in',NULL,1,1542607590,1542607590);
INSERT INTO exposure_viewer VALUES(1,'C0000000008',X'76bb7084362265d0e7264a06355d1235','anonymous',NULL,1,1542697620,1542697620);
INSERT INTO exposure_viewer VALUES(1,'C0000000009',X'6a64a143a1c1cec9ad70ba2ff6fcd3a6','anonymous',NULL,1,1542096480,1542096480);
INSERT INTO exposure_viewer VALUES(1,'C0000000010',X'22e02ad2876fa95251cae02581b6f673','anonymous',NULL,1,1542186540,1542186540);
INSERT INTO exposure_viewer VALUES(1,'C0000000010',X'db56ea9564266c43f1b4db6cc9970892','signed-in',NULL,1,1542186570,1542186570);
INSERT INTO exposure_viewer VALUES(1,'C0000000011',X'a56416d7575be78e2deb90499fd99706','anonymous',NULL,1,1542276600,1542276600);
INSERT INTO exposure_viewer VALUES(1,'C0000000012',X'd952dfd26b3815f7dbd6535ad0524609','anonymous',NULL,1,1542366660,1542366660);
INSERT INTO exposure_viewer VALUES(1,'C0000000013',X'4145763150baa5981f1d20803f9adfd5','signed-in',NULL,1,1542456750,1542456750);
INSERT INTO exposure_viewer VALUES(1,'C0000000013',X'c12c861e6dbd0c37d677e441bb51b53a','anonymous',NULL,1,1542456720,1542456720);
INSERT INTO exposure_viewer VALUES(1,'C0000000014',X'0caa0f2fb8866f7159bbad7130b5ff7b','anonymous',NULL,1,1542546780,1542546780);
INSERT INTO exposure_viewer VALUES(1,'C0000000015',X'7f62f2159f9a3e2a00d7dc38d5c5dd9e','anonymous',NULL,1,1542636840,1542636840);
INSERT INTO exposure_viewer VALUES(1,'C0000000016',X'019a22d82b1f8189140776edaf3ff55c','signed-in',NULL,1,1542726930,1542726930);
INSERT INTO exposure_viewer VALUES(1,'C0000000016',X'6b150219dd92cbf3a85e7495866febd5','anonymous',NULL,1,1542726900,1542726900);
INSERT INTO exposure_viewer VALUES(1,'C0000000017',X'046292ba3f00639d4836ae68060137e9','anonymous',NULL,1,1542125760,1542125760);
INSERT INTO exposure_viewer VALUES(1,'C0000000018',X'2ec9a390364d5cdc754fe6ca48462c60','anonymous',NULL,1,1542215820,1542215820);
INSERT INTO exposure_viewer VALUES(1,'C0000000019',X'1bc8fe9418d1683aa569d9a7903c55b4','anonymous',NULL,1,1542305880,1542305880);
INSERT INTO exposure_viewer VALUES(1,'C0000000019',X'465ed948242bc6abf4c897775cb78c74','signed-in',NULL,1,1542305910,1542305910);
INSERT INTO exposure_viewer VALUES(1,'C0000000020',X'e67488fbcf20301fe272a65dbbf62086','anonymous',NULL,1,1542395940,1542395940);
INSERT INTO exposure_viewer VALUES(2,'C0000000001',X'32814a397778d5c0e6e9f094121f8bcb','anonymous','10.1.0.0',1,1542067200,1542067200);
INSERT INTO exposure_viewer VALUES(2,'C0000000001',X'aa6000b0b51572a5e7dbde489a9489d3','signed-in','C9000000000',1,1542067230,1542067230);
INSERT INTO exposure_viewer VALUES(2,'C0000000002',X'39e047265ea736ef7d133f6a4e120d2c','anonymous','10.1.0.1',1,1542157260,1542157260);
INSERT INTO exposure_viewer VALUES(2,'C0000000002',X'aa6000b0b51572a5e7dbde489a9489d3','signed-in','C9000000000',1,1542276000,1542276000);
INSERT INTO exposure_viewer VALUES(2,'C0000000003',X'1b15a3c6b199ffe0141c0d7991f82eff','signed-in','C0000000009',1,1542189600,1542189600);
INSERT INTO exposure_viewer VALUES(2,'C0000000003',X'39cb60e972630fe66e208acf6f595641','anonymous','10.1.0.2',1,1542247320,1542247320);
INSERT INTO exposure_viewer VALUES(2,'C0000000004',X'bb80045713899daa1349a6c6c39b1083','signed-in','C9000000003',1,1542337410,1542337410);
INSERT INTO exposure_viewer VALUES(2,'C0000000004',X'cf8449b9f4f09cc8e7d200aeb7cd50fa','anonymous','10.1.0.3',1,1542337380,1542337380);
INSERT INTO exposure_viewer VALUES(2,'C0000000005',X'06676d7fb2adeb28f261ee1468a1efcd','anonymous','10.1.0.4',1,1542427440,1542427440);
INSERT INTO exposure_viewer VALUES(2,'C0000000006',X'5a0f7d47222ce4e9326cc28a6fce2391','anonymous','10.1.0.5',1,1542517500,1542517500);
INSERT INTO exposure_viewer VALUES(2,'C0000000007',X'618c5376b9adbf5f3d91e1234d83fa7c','anonymous','10.1.0.6',1,1542607560,1542607560);
INSERT INTO exposure_viewer VALUES(2,'C0000000007',X'c34d6234dc09cff8c7999af2eb56cab1','signed-in','C9000000006',1,1542607590,1542607590);
INSERT INTO exposure_viewer VALUES(2,'C0000000008',X'76bb7084362265d0e7264a06355d1235','anonymous','10.1.0.7',1,1542697620,1542697620);
INSERT INTO exposure_viewer VALUES(2,'C0000000009',X'6a64a143a1c1cec9ad70ba2ff6fcd3a6','anonymous','10.1.0.8',1,1542096480,1542096480);
INSERT INTO exposure_viewer VALUES(2,'C0000000010',X'22e02ad2876fa95251cae02581b6f673','anonymous','10.1.0.9',1,1542186540,1542186540);
INSERT INTO exposure_viewer VALUES(2,'C0000000010',X'db56ea9564266c43f1b4db6cc9970892','signed-in','C9000000009',1,1542186570,1542186570);
INSERT INTO exposure_viewer VALUES(2,'C0000000011',X'a56416d7575be78e2deb90499fd99706','anonymous','10.1.0.10',1,1542276600,1542276600);
INSERT INTO exposure_viewer VALUES(2,'C0000000012',X'd952dfd26b3815f7dbd6535ad0524609','anonymous','10.1.0.11',1,1542366660,1542366660);
INSERT INTO exposure_viewer VALUES(2,'C0000000013',X'4145763150baa5981f1d20803f9adfd5','signed-in','C9000000012',1,1542456750,1542456750);
INSERT INTO exposure_viewer VALUES(2,'C0000000013',X'c12c861e6dbd0c37d677e441bb51b53a','anonymous','10.1.0.12',1,1542456720,1542456720);
INSERT INTO exposure_viewer VALUES(2,'C0000000014',X'0caa0f2fb8866f7159bbad7130b5ff7b','anonymous','10.1.0.13',1,1542546780,1542546780);
INSERT INTO exposure_viewer VALUES(2,'C0000000015',X'7f62f2159f9a3e2a00d7dc38d5c5dd9e','anonymous','10.1.0.14',1,1542636840,1542636840);
INSERT INTO exposure_viewer VALUES(2,'C0000000016',X'019a22d82b1f8189140776edaf3ff55c','signed-in','C9000000015',1,1542726930,1542726930);
INSERT INTO exposure_viewer VALUES(2,'C0000000016',X'6b150219dd92cbf3a85e7495866febd5','anonymous','10.1.0.15',1,1542726900,1542726900);
INSERT INTO exposure_viewer VALUES(2,'C0000000017',X'046292ba3f00639d4836ae68060137e9','anonymous','10.1.0.16',1,1542125760,1542125760);
INSERT INTO exposure_viewer VALUES(2,'C0000000018',X'2ec9a390364d5cdc754fe6ca48462c60','anonymous','10.1.0.17',1,1542215820,1542215820);
INSERT INTO exposure_viewer VALUES(2,'C0000000019',X'1bc8fe9418d1683aa569d9a7903c55b4','anonymous','10.1.0.18',1,1542305880,1542305880);
INSERT INTO exposure_viewer VALUES(2,'C0000000019',X'465ed948242bc6abf4c897775cb78c74','signed-in','C9000000018',1,1542305910,1542305910);
INSERT INTO exposure_viewer VALUES(2,'C0000000020',X'e67488fbcf20301fe272a65dbbf62086','anonymous','10.1.0.19',1,1542395940,1542395940);
INSERT INTO exposure_viewer VALUES(2,'C0012345678',X'2cec1fabb81143e0a6e85df1e8c4c827','anonymous','10.0.0.2',2,1542031380,1542753660);
INSERT INTO exposure_viewer VALUES(2,'C0012345678',X'373b29cdec106b130528cfa09e5a5e23','signed-in','C0000000001',1,1542031380,1542031380);
INSERT INTO exposure_viewer VALUES(3,'C0012345678',X'2cec1fabb81143e0a6e85df1e8c4c827','anonymous','10.0.0.2',2,1542031380,1542753660);
INSERT INTO exposure_viewer VALUES(3,'C0012345678',X'373b29cdec106b130528cfa09e5a5e23','signed-in','C0000000001',1,1542031380,1542031380);
INSERT INTO exposure_viewer VALUES(3,'C0055555555',X'080855c7c5ff619a13e61ce802053b11','anonymous','10.0.0.5',1,1542276000,1542276000);
INSERT INTO exposure_viewer VALUES(3,'C0066666666',X'7729ffd457d7ca5658791b03cc1527b7','signed-in','C0000000007',1,1542360600,1542360600);
INSERT INTO exposure_viewer VALUES(3,'C0066666666',X'79ed2976aeceb9f1351db37563375444','anonymous','10.0.0.6',1,1542355200,1542355200);
INSERT INTO exposure_viewer VALUES(3,'C0077777777',X'0446590aa862cd412f6a28de9a079813','anonymous','10.0.0.8',1,1542499140,1542499140);
INSERT INTO exposure_viewer VALUES(3,'C0099999999',X'1b15a3c6b199ffe0141c0d7991f82eff','signed-in','C0000000009',1,1542189600,1542189600);
CREATE TRIGGER event_append_only_u BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
CREATE TRIGGER event_append_only_d BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
CREATE TRIGGER audit_append_only_d BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE INDEX audit_incident ON audit(incident_ref);
CREATE TRIGGER assessment_append_only_u BEFORE UPDATE ON assessment BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;
CREATE TRIGGER assessment_append_only_d BEFORE DELETE ON assessment BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;
CREATE TRIGGER assessment_input_append_only_u BEFORE UPDATE ON assessment_input BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;
CREATE TRIGGER assessment_input_append_only_d BEFORE DELETE ON assessment_input BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;
CREATE TRIGGER assessment_reason_append_only_u BEFORE UPDATE ON assessment_reason BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;
CREATE TRIGGER assessment_reason_append_only_d BEFORE DELETE ON assessment_reason BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;
CREATE TRIGGER decision_append_only_u BEFORE UPDATE ON decision BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER decision_append_only_d BEFORE DELETE ON decision BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER filing_append_only_u BEFORE UPDATE ON filing BEGIN SELECT RAISE(ABORT, 'filings are append-only'); END;
CREATE TRIGGER filing_append_only_d BEFORE DELETE ON filing BEGIN SELECT RAISE(ABORT, 'filings are append-only'); END;
CREATE INDEX tlog_entry_ref ON tlog_entry(kind, ref);
CREATE TRIGGER tlog_entry_append_only_u BEFORE UPDATE ON tlog_entry BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER tlog_entry_append_only_d BEFORE DELETE ON tlog_entry BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER tlog_checkpoint_append_only_u BEFORE UPDATE ON tlog_checkpoint BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER tlog_checkpoint_append_only_d BEFORE DELETE ON tlog_checkpoint BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER incident_statement_append_only_u BEFORE UPDATE ON incident_statement BEGIN SELECT RAISE(ABORT, 'statements are append-only'); END;
CREATE TRIGGER incident_statement_append_only_d BEFORE DELETE ON incident_statement BEGIN SELECT RAISE(ABORT, 'statements are append-only'); END;
CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE INDEX notice_subject ON notice(incident_id, subject);
CREATE INDEX outbox_state ON outbox(incident_id, state, notice);
CREATE TRIGGER notice_approval_append_only_u BEFORE UPDATE ON notice_approval BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
CREATE TRIGGER notice_approval_append_only_d BEFORE DELETE ON notice_approval BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
CREATE TRIGGER notice_append_only_d BEFORE DELETE ON notice BEGIN SELECT RAISE(ABORT, 'notices are append-only'); END;
CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox BEGIN SELECT RAISE(ABORT, 'outbox rows are never deleted'); END;
CREATE TRIGGER notice_event_append_only_d BEFORE DELETE ON notice_event BEGIN SELECT RAISE(ABORT, 'notice events are append-only'); END;
CREATE UNIQUE INDEX agent_active_name ON agent(name) WHERE removed_at IS NULL;
CREATE TRIGGER agent_no_delete BEFORE DELETE ON agent BEGIN SELECT RAISE(ABORT, 'agents are never deleted, only removed'); END;
CREATE TRIGGER notice_dict_append_only_d BEFORE DELETE ON notice_dict BEGIN SELECT RAISE(ABORT, 'notice dictionaries are append-only'); END;
CREATE INDEX purge_incident ON purge(incident_id, kind);
CREATE TRIGGER purge_word_append_only_u BEFORE UPDATE ON purge_word BEGIN SELECT RAISE(ABORT, 'kept words are append-only'); END;
CREATE TRIGGER purge_word_append_only_d BEFORE DELETE ON purge_word BEGIN SELECT RAISE(ABORT, 'kept words are append-only'); END;
CREATE TRIGGER purge_append_only_u BEFORE UPDATE ON purge BEGIN SELECT RAISE(ABORT, 'purge records are append-only'); END;
CREATE TRIGGER purge_append_only_d BEFORE DELETE ON purge BEGIN SELECT RAISE(ABORT, 'purge records are append-only'); END;
CREATE TRIGGER purge_scan_append_only_u BEFORE UPDATE ON purge_scan BEGIN SELECT RAISE(ABORT, 'kept counts are append-only'); END;
CREATE TRIGGER purge_scan_append_only_d BEFORE DELETE ON purge_scan BEGIN SELECT RAISE(ABORT, 'kept counts are append-only'); END;
CREATE TRIGGER purge_field_append_only_u BEFORE UPDATE ON purge_field BEGIN SELECT RAISE(ABORT, 'kept counts are append-only'); END;
CREATE TRIGGER purge_field_append_only_d BEFORE DELETE ON purge_field BEGIN SELECT RAISE(ABORT, 'kept counts are append-only'); END;
CREATE TRIGGER notice_append_only_u BEFORE UPDATE ON notice WHEN NOT (
  OLD.message_codec <> 'purged' AND NEW.message_codec = 'purged' AND NEW.subject = '' AND NEW.rcpt = ''
  AND NEW.rcpt_masked = '' AND length(NEW.message) = 0
  AND NEW.id = OLD.id AND NEW.incident_id = OLD.incident_id AND NEW.seq = OLD.seq
  AND NEW.notice_id = OLD.notice_id AND NEW.created_at = OLD.created_at AND NEW.approval_id = OLD.approval_id
  AND NEW.scan_id = OLD.scan_id AND NEW.import_id = OLD.import_id AND NEW.lang = OLD.lang
  AND NEW.code_hash = OLD.code_hash AND NEW.message_id = OLD.message_id AND NEW.text_sha256 = OLD.text_sha256
  AND NEW.message_len = OLD.message_len AND NEW.dict_id IS OLD.dict_id
  AND EXISTS (SELECT 1 FROM purge p WHERE p.incident_id = OLD.incident_id AND p.kind = 'notices'))
BEGIN SELECT RAISE(ABORT, 'notices are append-only (a purge may only empty their personal columns)'); END;
CREATE TRIGGER notice_event_append_only_u BEFORE UPDATE ON notice_event WHEN NOT (
  NEW.reply IS NULL AND NEW.id = OLD.id AND NEW.notice = OLD.notice AND NEW.at = OLD.at
  AND NEW.state = OLD.state AND NEW.attempt = OLD.attempt
  AND EXISTS (SELECT 1 FROM notice n WHERE n.id = OLD.notice AND n.message_codec = 'purged'))
BEGIN SELECT RAISE(ABORT, 'notice events are append-only (a purge may only drop their replies)'); END;
CREATE TRIGGER notice_dict_append_only_u BEFORE UPDATE ON notice_dict WHEN NOT (
  length(NEW.content) = 0 AND NEW.id = OLD.id AND NEW.incident_id = OLD.incident_id
  AND NEW.created_at = OLD.created_at AND NEW.sha256 = OLD.sha256
  AND NOT EXISTS (SELECT 1 FROM notice n WHERE n.dict_id = OLD.id AND n.message_codec <> 'purged'))
BEGIN SELECT RAISE(ABORT, 'notice dictionaries are append-only (a purge may only empty unused ones)'); END;
CREATE INDEX notice_bounce_incident ON notice_bounce(incident_id, notice);
CREATE TRIGGER notice_bounce_append_only_u BEFORE UPDATE ON notice_bounce WHEN NOT (
  (OLD.diagnostic <> '' OR OLD.source <> '') AND NEW.diagnostic = '' AND NEW.source = ''
  AND NEW.id = OLD.id AND NEW.notice = OLD.notice AND NEW.incident_id = OLD.incident_id AND NEW.at = OLD.at
  AND NEW.kind = OLD.kind AND NEW.status = OLD.status AND NEW.action = OLD.action AND NEW.sha256 = OLD.sha256
  AND EXISTS (SELECT 1 FROM purge WHERE purge.incident_id = OLD.incident_id AND purge.kind = 'notices'))
BEGIN SELECT RAISE(ABORT, 'returned mail is append-only'); END;
CREATE TRIGGER notice_bounce_append_only_d BEFORE DELETE ON notice_bounce BEGIN SELECT RAISE(ABORT, 'returned mail is append-only'); END;
COMMIT;
